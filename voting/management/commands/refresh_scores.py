"""Recompute "trending this week" (and, with --all, hot and top) from the vote rows.

Votes refresh the stored scores of the ideas they touch, once per 10-second window (voting.windows);
trending must also follow older votes out of the last seven days, which `run_scheduler` does hourly
(voting.tasks.refresh_trending). This command does the same by hand, and with --all also recomputes
hot and top of every idea. It lives in the voting app because it reads the vote rows, and the ideas
app does not import voting (docs/architecture.md).
"""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from ideas.models import Idea
from voting import scores


class Command(BaseCommand):
    help = "Recompute trending scores (and hot/top with --all) from the vote rows."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Also recompute hot and top scores.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, all=False, no_progress=False, **options):
        changed = scores.refresh_trending()
        self.stdout.write(f"Trending scores refreshed on {changed} ideas.")
        if not all:
            return
        with tqdm(total=Idea.objects.count(), desc="scores", unit="ideas", disable=no_progress) as bar:
            scores.rescore_all(progress=bar.update)
