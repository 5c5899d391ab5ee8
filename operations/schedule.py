"""Periodic background work: which tasks `manage.py run_scheduler` queues, and how often.

Apps register their periodic tasks from AppConfig.ready() (operations imports no app):

    schedule.register("voting.rescore_pending", every=timedelta(seconds=10), task=tasks.rescore_pending,
                      when=windows.has_pending)

The scheduler only queues; a worker (`run_worker`) runs. On each tick, for each job that is due, it
locks the job's `ScheduledJob` row (so two schedulers never queue the same run), checks `when()` (a
cheap question such as "is anything pending?", so an idle site queues no empty tasks), and queues the
task unless one of the same task is still waiting in the queue (a stopped worker does not pile them up).
The last run is kept in the database: a restarted scheduler neither repeats a job early nor skips one.

This module is the registry only (it loads no model, so apps.py modules may import it); the loop is
operations.scheduler.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    task: object  # a django_tasks Task that takes no arguments, or the kwargs below
    kwargs: dict = field(default_factory=dict)
    when: Callable[[], bool] | None = None


JOBS: dict[str, Job] = {}


def register(name: str, *, every: timedelta, task, kwargs: dict | None = None, when=None) -> None:
    """Queue `task` every `every` (if `when()` says so); registering a name again replaces it."""
    JOBS[name] = Job(name=name, every=every, task=task, kwargs=kwargs or {}, when=when)
