"""The vote counts that active endpoints wait for (idea.votes_crossed). Every vote asks, so the answer
is kept in the process for LOCAL_SECONDS (no Redis round trip on the vote path, whose cost is measured
against B in bench/), behind the shared cache that a change of an endpoint clears. A threshold added or
changed in one process therefore applies in the others within LOCAL_SECONDS."""

import time

from django.core.cache import cache
from django.db import transaction

from .models import Endpoint, Event

VOTE_THRESHOLDS_KEY = "webhooks:vote-thresholds"
LOCAL_SECONDS = 30
_local: dict = {"thresholds": None, "until": 0.0}


def vote_thresholds() -> frozenset[int]:
    """The vote counts some active endpoint waits for."""
    now = time.monotonic()
    if _local["thresholds"] is None or now >= _local["until"]:
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
        _local.update(thresholds=frozenset(cached), until=now + LOCAL_SECONDS)
    return _local["thresholds"]


def forget_vote_thresholds() -> None:
    """An endpoint changed: this process asks again at once, the others within LOCAL_SECONDS."""

    def forget():
        cache.delete(VOTE_THRESHOLDS_KEY)
        _local["thresholds"] = None

    transaction.on_commit(forget, robust=True)
    forget()
