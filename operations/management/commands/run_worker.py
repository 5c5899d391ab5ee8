"""`manage.py run_worker`: the background worker to run in production (systemd: Restart=always).

The same options as django-tasks-db's `db_worker`, whose worker it runs with three additions
(operations.worker): it outlives database outages, beats a heartbeat, and takes up again the tasks of
workers that died.
"""

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from operations.worker import DurableWorker


class Command(db_worker.Command):
    help = "Run the background worker: db_worker that survives database outages and reclaims lost tasks."

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = DurableWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process, as db_worker does
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
