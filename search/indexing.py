"""What services call when searchable content changes. Nothing is sent before the commit.

idea_changed(id)       an idea's text, tags, status, visibility, segment, product or campaign
comment_changed(id)    a comment posted, edited, hidden or restored (its idea is reindexed too:
                       the idea's document carries its public comments' words)
prototype_changed(id)  a prototype created, published, or given a variant
votes_changed(id)      a vote cast or withdrawn: only the document's vote count, debounced
"""

import logging
import time
from datetime import UTC, datetime, timedelta
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cocreate.cache import shared_redis

logger = logging.getLogger(__name__)

# A popular idea takes many votes a minute; its documents' vote counts are rewritten at most once per
# this many seconds (the queued update runs at the end of the window and reads the counts then).
VOTES_DEBOUNCE_SECONDS = 10
# A window's update runs this long after the window ends, so that the last votes of the window (queued
# on commit, a moment after their timestamp) are in its set; the set outlives the update by far.
WINDOW_GRACE = timedelta(seconds=1)
WINDOW_KEEP_SECONDS = 3600


def _on_commit(task, **ids) -> None:
    """Queue `task` once the current transaction commits; nothing if it rolls back.

    `robust=True`: if even queueing the task fails (the task table unreachable), Django logs it and
    the request that made the change still succeeds.
    """
    transaction.on_commit(partial(task.enqueue, **ids), robust=True)


def ideas_changed(idea_ids) -> None:
    """Reindex these ideas once the current transaction commits."""
    from .tasks import index_ideas

    ids = sorted({int(pk) for pk in idea_ids})
    if ids:
        _on_commit(index_ideas, idea_ids=ids)


def idea_changed(idea_id: int) -> None:
    ideas_changed([idea_id])


def comment_changed(comment_id: int) -> None:
    """Reindex a comment (removed from the index unless public on a visible idea) and its idea."""
    from .tasks import index_comments

    _on_commit(index_comments, comment_ids=[int(comment_id)])


def prototype_changed(prototype_id: int) -> None:
    """Reindex a prototype (removed from the index unless published)."""
    from .tasks import index_prototypes

    _on_commit(index_prototypes, prototype_ids=[int(prototype_id)])


def votes_changed(idea_id: int) -> None:
    """Refresh the vote count the index keeps for sorting, without reindexing the idea's text."""
    transaction.on_commit(partial(_queue_votes, int(idea_id)), robust=True)


def _queue_votes(idea_id: int) -> None:
    from .tasks import update_votes, update_votes_of_window

    if not update_votes.get_backend().supports_defer:  # e.g. the immediate backend of the tests
        update_votes.enqueue(idea_ids=[idea_id])
        return
    client = shared_redis()
    if client is None:
        # A cache of this process only (development): one queued update per idea and window.
        if cache.add(f"search:votes:{idea_id}", 1, timeout=VOTES_DEBOUNCE_SECONDS):
            run_after = timezone.now() + timedelta(seconds=VOTES_DEBOUNCE_SECONDS)
            update_votes.using(run_after=run_after).enqueue(idea_ids=[idea_id])
        return
    # Redis: the ideas voted on in a window gather in one set, and the first vote of the window queues
    # the one update of them all for the window's end (one task row per window, not one per idea).
    window = current_window()
    if _added_here["window"] != window:
        _added_here.update(window=window, ideas=set())
    elif idea_id in _added_here["ideas"]:
        return  # in the window's set already; its update runs only once the window is over
    ideas_key = _window_key(window)
    pipeline = client.pipeline(transaction=False)
    pipeline.sadd(ideas_key, idea_id)
    pipeline.expire(ideas_key, WINDOW_KEEP_SECONDS)
    pipeline.set(f"{ideas_key}:queued", 1, nx=True, ex=WINDOW_KEEP_SECONDS)
    *_, first_of_window = pipeline.execute()
    _added_here["ideas"].add(idea_id)
    if first_of_window:
        window_end = datetime.fromtimestamp((window + 1) * VOTES_DEBOUNCE_SECONDS, tz=UTC)
        update_votes_of_window.using(run_after=window_end + WINDOW_GRACE).enqueue(window=window)


# The ideas this process has put in the current window's set: another vote on one of them in the same
# window needs no Redis call at all. (Threads may race here; the worst outcome is a repeated SADD.)
_added_here: dict = {"window": None, "ideas": set()}


def current_window() -> int:
    return int(time.time() // VOTES_DEBOUNCE_SECONDS)


def take_voted_ideas(window: int) -> list[int]:
    """The ideas voted on in the window (and forget them): what its queued update refreshes."""
    client = shared_redis()
    if client is None:
        return []
    pipeline = client.pipeline(transaction=True)
    pipeline.smembers(_window_key(window))
    pipeline.delete(_window_key(window))
    members, _ = pipeline.execute()
    return sorted(int(pk) for pk in members)


def _window_key(window: int) -> str:
    return cache.make_and_validate_key(f"search:votes:window:{window}")
