"""The operations app's own periodic tasks (queued by run_scheduler: OperationsConfig.ready)."""

from django.core.management import call_command
from django_tasks import task
from django_tasks_db import DatabaseBackend

from cocreate import image_processing

from . import reconciliation
from .retry import retry_transient

TASK_RESULTS_KEPT_DAYS = 7


@task()
@retry_transient()
def reconcile() -> int:
    """Check derived data against its sources and repair drift; returns how many rows had drifted.
    Safe to run twice: each check compares afresh and repairs by recomputing from the sources."""
    return reconciliation.run(repair=True).drifted


@task()
@retry_transient()
def prune_task_results() -> None:
    """Forget finished task results older than a week (a vote window alone queues thousands a day).
    Safe to run twice: it deletes by age."""
    if not isinstance(prune_task_results.get_backend(), DatabaseBackend):
        return  # a queue that keeps no results (tests, development)
    call_command("prune_db_task_results", min_age_days=TASK_RESULTS_KEPT_DAYS, verbosity=0)


@task()
@retry_transient()
def requeue_stale_images() -> dict[str, int]:
    """Queue again the decoding of uploaded pictures whose task was lost (cocreate.image_processing: idea
    images, avatars, prototype screens, as the apps registered them); returns how many of each kind.
    Safe to run twice: a picture queued again is not stale any more, and its task is safe to repeat."""
    return image_processing.requeue_stale()
