from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings


class OperationsConfig(AppConfig):
    """Background work kept alive: the worker (`run_worker`) and its lease on running tasks, the
    scheduler of periodic tasks (`run_scheduler`), retries of transient failures, and reconciliation
    reports. It imports no other app: the apps above register their periodic tasks and checks from
    their own AppConfig.ready() (operations.schedule, operations.reconcile)."""

    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        # Django's place for registering: the tasks module needs the app registry ready.
        from cocreate import image_processing

        from . import schedule, tasks

        schedule.register(
            "operations.reconcile", every=timedelta(minutes=settings.RECONCILE_MINUTES), task=tasks.reconcile
        )
        schedule.register(
            "operations.prune_task_results", every=timedelta(days=1), task=tasks.prune_task_results
        )
        # Pictures still PROCESSING long after they were queued (their task lost): queued again, only
        # while there are some. The apps register their kinds of picture with cocreate.image_processing.
        schedule.register(
            "operations.requeue_stale_images",
            every=timedelta(minutes=settings.IMAGE_PROCESSING_SWEEP_MINUTES),
            task=tasks.requeue_stale_images,
            when=image_processing.any_stale,
        )
