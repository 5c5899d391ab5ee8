"""Look for suspicious voting in the last days and open alerts for moderators (/moderation/votes/).

Run it hourly from cron or a scheduler, like refresh_scores; moderators can also scan from the page.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from tqdm import tqdm

from moderation import integrity
from voting.models import Vote


class Command(BaseCommand):
    help = "Detect vote bursts from new accounts and voting rings; open an alert for each new finding."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How far back to look (default 7).")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, days=7, no_progress=False, **options):
        lookback = timedelta(days=days)
        total = Vote.objects.counted().filter(value=1).count()
        with tqdm(total=total, desc="votes", unit="vote", disable=no_progress, file=self.stderr) as bar:
            created = integrity.detect(lookback=lookback, progress=bar.update)
        for alert in created:
            self.stdout.write(f"{alert.get_type_display()}: {alert.summary}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} new alerts."))
