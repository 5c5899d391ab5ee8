"""The loop of `manage.py run_scheduler` over the jobs registered in operations.schedule."""

import logging
import time

from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import ScheduledJob
from .retry import backoff_delays
from .schedule import JOBS, Job

logger = logging.getLogger(__name__)


def waiting_in_queue(task) -> bool:
    """Whether a run of this task is queued and not started yet (database queue only)."""
    if not task.get_backend().supports_defer:  # a queue that runs tasks at once has no waiting tasks
        return False
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path).exists()


def tick(now=None) -> list[str]:
    """Queue every job that is due; returns the names of those queued."""
    now = now or timezone.now()
    queued = []
    for job in list(JOBS.values()):
        try:
            if run_if_due(job, now):
                queued.append(job.name)
        except DatabaseError:
            raise  # the scheduler's loop waits for the database
        except Exception:
            logger.exception("Scheduled job %s failed to queue", job.name)
    return queued


def run_if_due(job: Job, now) -> bool:
    with transaction.atomic():
        ScheduledJob.objects.get_or_create(name=job.name)
        row = ScheduledJob.objects.select_for_update().get(name=job.name)
        if row.last_run_at is not None and now < row.last_run_at + job.every:
            return False
        row.last_run_at = now
        row.save(update_fields=["last_run_at"])
        if job.when is not None and not job.when():
            return False
        if waiting_in_queue(job.task):
            return False
    # Queued after the commit above: a queue that runs tasks at once (tests, development) then runs
    # it outside the scheduler's transaction.
    job.task.enqueue(**job.kwargs)
    return True


def run_forever(*, interval: float = 1.0, stop=lambda: False) -> None:
    """The scheduler's loop: tick every `interval` seconds; wait out database outages with back-off."""
    delays = None
    while not stop():
        try:
            close_old_connections()
            tick()
            delays = None
            time.sleep(interval)
        except DatabaseError as error:
            delays = delays or backoff_delays()
            delay = next(delays)
            logger.warning(
                "Scheduler: database error (%s: %s); retrying in %.0f s", type(error).__name__, error, delay
            )
            connections.close_all()
            time.sleep(delay)
