"""Ranking scores recomputed for every idea, not only those voted on: trending as votes age out of the
last seven days (hourly, voting.tasks.refresh_trending), and all of them by hand
(`manage.py refresh_scores --all`)."""

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ideas.models import Idea
from ideas.ranking import TRENDING_WINDOW, hot_score, top_score

from .models import Vote

BATCH = 2000


def refresh_trending() -> int:
    """Trending is exactly the counted up-votes of the last seven days; returns how many ideas were
    rewritten (those that trend now or had votes this week: no other can change)."""
    since = timezone.now() - TRENDING_WINDOW
    recent = (
        Vote.objects.counted()
        .filter(idea=OuterRef("pk"), value=1, created_at__gte=since)
        .order_by()
        .values("idea")
        .annotate(n=Count("pk"))
        .values("n")
    )
    with transaction.atomic():
        return (
            Idea.objects.filter(Q(trending_score__gt=0) | Q(votes__created_at__gte=since))
            .distinct()
            .update(trending_score=Coalesce(Subquery(recent), 0))
        )


def rescore_all(*, progress=None) -> int:
    """Hot and top of every idea from its counters, BATCH ideas per transaction; returns how many."""
    done = last = 0
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
        done += len(batch)
        if progress is not None:
            progress(len(batch))
    return done
