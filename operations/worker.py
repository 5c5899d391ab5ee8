"""The background worker, kept alive: django-tasks-db's worker with three additions.

1. It survives a database outage. django-tasks-db's `Worker.run` raises (and `db_worker` exits) on the
   first OperationalError that is not SQLite's "database is locked". `DurableWorker.run` runs that loop
   again after a back-off (1, 2, 4 … 30 s), for as long as the database stays away. If the outage hit
   while a task of its own was running and the task could not be recorded as finished, the task is put
   back in the queue (it is safe to run twice: operations.retry).
2. A heartbeat. From a thread of its own, also while a task runs, the worker rewrites its
   `WorkerHeartbeat` row every TASK_WORKER_HEARTBEAT_SECONDS.
3. A lease on running tasks. A task stays RUNNING for ever if its worker is killed (kill -9, OOM, a lost
   machine): django-tasks-db 0.13 has nothing that takes it up again. Each worker's heartbeat thread
   also looks for RUNNING tasks whose worker has not beaten for TASK_WORKER_LEASE_SECONDS and puts them
   back in the queue (READY), up to TASK_MAX_ATTEMPTS runs; after that the task is FAILED with
   `WorkerLost`, so a task that kills its worker cannot kill every worker in turn.

Only the public parts of django-tasks-db are used: the `Worker` class of its `db_worker` command (its
constructor, `run`, `run_task`, `running`) and the `DBTaskResult` model's fields and queryset.
"""

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat
from .retry import backoff_delays

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """Recorded on a task whose worker died under it TASK_MAX_ATTEMPTS times."""


def heartbeat_seconds() -> float:
    return float(settings.TASK_WORKER_HEARTBEAT_SECONDS)


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_WORKER_LEASE_SECONDS)


def beat(worker_id: str, *, started_at) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"beat_at": now},
        create_defaults={
            "beat_at": now,
            "started_at": started_at,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def reclaim_orphans() -> list[str]:
    """Put back in the queue the RUNNING tasks whose worker is gone; returns their ids.

    A worker is gone when its heartbeat is older than the lease, or missing (a worker that never beat,
    e.g. a plain `db_worker`, counts as gone once its task has run for longer than the lease). Rows are
    taken with SKIP LOCKED, so two workers reclaiming at once never reset the same task twice.
    """
    now = timezone.now()
    cutoff = now - lease()
    alive = set(WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True))
    reclaimed = []
    with transaction.atomic():
        running = (
            DBTaskResult.objects.running().filter(started_at__lt=cutoff).select_for_update(skip_locked=True)
        )
        for task_result in running.only("id", "worker_ids", "status", "started_at"):
            last_worker = task_result.worker_ids[-1] if task_result.worker_ids else None
            if last_worker in alive:
                continue
            if len(task_result.worker_ids) >= settings.TASK_MAX_ATTEMPTS:
                DBTaskResult.objects.filter(pk=task_result.pk).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                    traceback=f"WorkerLost: its worker died under it {len(task_result.worker_ids)} times",
                )
                logger.error(
                    "Task %s lost its worker %d times: FAILED", task_result.pk, len(task_result.worker_ids)
                )
            else:
                DBTaskResult.objects.filter(pk=task_result.pk).update(
                    status=TaskResultStatus.READY, started_at=None
                )
                logger.warning("Task %s lost its worker %s: queued again", task_result.pk, last_worker)
            reclaimed.append(str(task_result.pk))
    # Heartbeats of workers gone for a day are of no more use.
    WorkerHeartbeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    return reclaimed


def requeue(task_id, *, delay: float = 0) -> bool:
    """Put a task that its own worker could not finish back in the queue (if it is still RUNNING)."""
    return bool(
        DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY,
            started_at=None,
            run_after=timezone.now() + timedelta(seconds=delay),
        )
    )


class DurableWorker(Worker):
    """django-tasks-db's worker that outlives database outages and beats a heartbeat (module docstring)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.started_at = timezone.now()
        self.current_task_id = None
        self.stopped = threading.Event()

    def run(self) -> None:
        heart = threading.Thread(target=self.keep_beating, name="worker-heartbeat", daemon=True)
        heart.start()
        delays = None
        try:
            while self.running:
                try:
                    if self.current_task_id is not None:  # left RUNNING by an outage (see below)
                        requeue(self.current_task_id)
                        self.current_task_id = None
                    beat(self.worker_id, started_at=self.started_at)
                    delays = None
                    super().run()  # returns only for --batch or --max-tasks
                    return
                except DatabaseError as error:
                    # The database went away (or was never there): wait, reconnect, carry on. A task
                    # whose end could not be recorded is still ours and RUNNING; it is queued again
                    # once the database is back (the top of this loop).
                    delays = delays or backoff_delays()
                    delay = next(delays)
                    logger.warning(
                        "Worker %s: database error (%s: %s); retrying in %.0f s",
                        self.worker_id,
                        type(error).__name__,
                        error,
                        delay,
                    )
                    close_old_connections()
                    connections.close_all()
                    time.sleep(delay)
        finally:
            self.stopped.set()

    def run_task(self, db_task_result) -> None:
        self.current_task_id = db_task_result.pk
        super().run_task(db_task_result)
        # Not reached when recording the task's end raised (the database went away): then the task
        # stays ours, and run() queues it again.
        self.current_task_id = None

    def keep_beating(self) -> None:
        """The heartbeat thread: beat, and reclaim tasks of dead workers, until the worker stops."""
        while not self.stopped.wait(heartbeat_seconds()):
            try:
                beat(self.worker_id, started_at=self.started_at)
                reclaim_orphans()
            except DatabaseError as error:
                logger.warning("Worker %s: heartbeat failed (%s)", self.worker_id, error)
                connections.close_all()  # this thread's connections only
            except Exception:
                logger.exception("Worker %s: heartbeat failed", self.worker_id)
        connections.close_all()
