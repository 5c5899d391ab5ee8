"""Background moderation work. A scan reads every counted up-vote of the window, which takes seconds
to minutes on a large community (about 77 s for a million votes on the benchmark machine), so the
"Scan now" button queues it instead of running it inside the request. Both tasks are also periodic
(run_scheduler: moderation.apps), safe to run twice and retried on transient errors."""

from datetime import timedelta

from django_tasks import task

from community.models import Member
from operations.retry import retry_transient

from . import integrity
from .trust import trust_refresh


@task()
@retry_transient()
def scan_votes(*, days: int = 7) -> int:
    """Detect suspicious voting over the last `days`; returns how many new alerts were opened. Safe to
    run twice: an alert's signature is unique, so a finding already reported is not reported again."""
    return len(integrity.detect(lookback=timedelta(days=days)))


@task()
@retry_transient()
def refresh_trust_levels() -> int:
    """Daily: trust levels follow account age and days active. Safe to run twice: each level is
    recomputed from the member's activity. Returns how many changed."""
    members = Member.objects.filter(deleted_at__isnull=True, trust_locked=False, is_active=True)
    changed = 0
    for member in members.iterator(chunk_size=500):
        before = member.trust_level
        changed += trust_refresh(member) != before
    return changed
