"""Recompute "trending this week" (and, with --all, hot and top) from the vote rows.

Votes refresh the stored scores of the ideas they touch, once per 10-second window (voting.windows);
this brings "trending" back to exactly the up-votes of the last seven days as older votes age out.
Run it hourly (cron, systemd timer or your scheduler). It lives in the voting app because it reads the
vote rows, and the ideas app does not import voting (docs/architecture.md).
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from tqdm import tqdm

from ideas.models import Idea
from ideas.ranking import TRENDING_WINDOW, hot_score, top_score
from voting.models import Vote

BATCH = 2000


class Command(BaseCommand):
    help = "Recompute trending scores (and hot/top with --all) from the vote rows."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Also recompute hot and top scores.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, all=False, no_progress=False, **options):
        since = timezone.now() - TRENDING_WINDOW
        recent = (
            Vote.objects.counted().filter(idea=OuterRef("pk"), value=1, created_at__gte=since)
            .order_by()
            .values("idea")
            .annotate(n=Count("pk"))
            .values("n")
        )
        with transaction.atomic():
            # Only ideas that trend now or had votes this week can change.
            changed = (
                Idea.objects.filter(Q(trending_score__gt=0) | Q(votes__created_at__gte=since))
                .distinct()
                .update(trending_score=Coalesce(Subquery(recent), 0))
            )
        self.stdout.write(f"Trending scores refreshed on {changed} ideas.")
        if not all:
            return
        total = Idea.objects.count()
        last = 0
        with tqdm(total=total, desc="scores", unit="ideas", disable=no_progress) as bar:
            while batch := list(
                Idea.objects.filter(pk__gt=last)
                .order_by("pk")
                .only("id", "created_at", "upvote_count", "downvote_count")[:BATCH]
            ):
                for idea in batch:
                    up, down = idea.upvote_count, idea.downvote_count
                    idea.hot_score = hot_score(upvotes=up, downvotes=down, posted_at=idea.created_at)
                    idea.top_score = top_score(upvotes=up, downvotes=down)
                with transaction.atomic():
                    Idea.objects.bulk_update(batch, ["hot_score", "top_score"], batch_size=500)
                last = batch[-1].pk
                bar.update(len(batch))
