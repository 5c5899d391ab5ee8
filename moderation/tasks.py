"""Background moderation work. A scan reads every counted up-vote of the window, which takes seconds
to minutes on a large community (about 77 s for a million votes on the benchmark machine), so the
"Scan now" button queues it instead of running it inside the request."""

from datetime import timedelta

from django_tasks import task

from . import integrity


@task()
def scan_votes(*, days: int = 7) -> int:
    """Detect suspicious voting over the last `days`; returns how many new alerts were opened."""
    return len(integrity.detect(lookback=timedelta(days=days)))
