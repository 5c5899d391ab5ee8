"""Background work of the voting app; every task is safe to run twice and retried on transient errors
(operations.retry). `run_scheduler` queues them (voting.apps)."""

from django_tasks import task

from operations.retry import retry_transient

from . import scores, windows


@task()
@retry_transient()
def rescore_pending() -> int:
    """The window's sweep: rescore every idea marked since the last one, then whatever listens (search's
    vote counts, search.receivers). Safe to run twice: a mark is cleared only with its rescore, and a
    second run finds none (or the next window's)."""
    return windows.rescore_pending()


@task()
@retry_transient()
def refresh_trending() -> int:
    """Hourly: trending scores as older votes leave the last seven days. Safe to run twice: it
    recomputes from the vote rows."""
    return scores.refresh_trending()
