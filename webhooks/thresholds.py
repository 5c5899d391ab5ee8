"""The vote counts that active endpoints wait for (idea.votes_crossed), cached: every vote asks."""

from django.core.cache import cache
from django.db import transaction

from .models import Endpoint, Event

VOTE_THRESHOLDS_KEY = "webhooks:vote-thresholds"


def vote_thresholds() -> set[int]:
    """The vote counts some active endpoint waits for (cached: read on every vote)."""
    cached = cache.get(VOTE_THRESHOLDS_KEY)
    if cached is None:
        cached = sorted(
            {
                e.votes_threshold
                for e in Endpoint.objects.filter(is_active=True, votes_threshold__isnull=False)
                if Event.IDEA_VOTES_CROSSED in e.events
            }
        )
        cache.set(VOTE_THRESHOLDS_KEY, cached, 600)
    return set(cached)


def forget_vote_thresholds() -> None:
    transaction.on_commit(lambda: cache.delete(VOTE_THRESHOLDS_KEY), robust=True)
    cache.delete(VOTE_THRESHOLDS_KEY)
