"""`manage.py run_scheduler`: queues the periodic background tasks (operations.schedule) for the worker.

Run one beside the workers (systemd: Restart=always); a second one does no harm (each job's row is
locked while it is queued). It waits out database outages instead of exiting.
"""

import logging
import signal

from django.core.management.base import BaseCommand

from operations import scheduler


class Command(BaseCommand):
    help = "Queue the periodic background tasks (vote windows, reconciliation, scans) when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between ticks (default 1).")
        parser.add_argument("--list", action="store_true", help="List the periodic jobs and exit.")

    def handle(self, *args, interval=1.0, list=False, **options):
        if list:
            for job in sorted(scheduler.JOBS.values(), key=lambda job: job.name):
                self.stdout.write(f"{job.name}: every {job.every} → {job.task.module_path}")
            return
        logger = logging.getLogger("operations.schedule")
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))

        def stop(signum, frame):
            # Stop at once, even mid-tick: an interrupted tick's transaction rolls back, and the job is
            # queued by the next scheduler.
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Scheduler started: {', '.join(sorted(scheduler.JOBS))}")
        scheduler.run_forever(interval=interval)
