"""What follows a vote, once per idea and 10-second window rather than once per vote.

A vote changes its idea's counters at once, under the idea's row lock (voting.services), and the
counters are what members see. What is derived from them follows at the end of the window, in one
queued task for every idea voted on in it (voting.tasks.refresh_voted_ideas):
  - the stored ranking scores (hot, top, trending: ideas.services.rescore_ideas), so an idea's place in
    the sorted lists lags its votes by ten seconds at most;
  - the vote count in the search index (search.tasks.update_votes, through voting.signals.votes_counted).

Keeping the scores off the vote itself means a vote rewrites no indexed column of the idea row: on
PostgreSQL the update is a HOT update that touches none of the table's indexes (bench/RESULTS.md).

With Redis, the ideas voted on in a window gather in a Redis set (through cocreate.cache.shared_redis).
Should Redis be unreachable when a vote commits, that idea's scores wait for its next vote, or for
`manage.py refresh_scores`, which recomputes them all; its counters are exact all along.
"""

import time
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cocreate.cache import shared_redis

WINDOW_SECONDS = 10
# A window's task runs this long after the window ends, so that the last votes of the window (queued
# on commit, a moment after their timestamp) are in its set; the set outlives the task by far.
WINDOW_GRACE = timedelta(seconds=1)
WINDOW_KEEP_SECONDS = 3600


def idea_voted(idea_id: int) -> None:
    """A vote on the idea changed its counters: refresh what follows from them once the vote commits."""
    idea_id = int(idea_id)

    # A named function, not functools.partial: with robust=True Django logs a failing callback by its
    # __qualname__, which a partial lacks.
    def refresh_after_vote():
        _queue(idea_id)

    transaction.on_commit(refresh_after_vote, robust=True)


def _queue(idea_id: int) -> None:
    # Here, not at the top: voting.tasks reads the windows (take_voted_ideas), so the two modules would
    # import each other (docs/architecture.md, "Still open").
    from .tasks import refresh_voted_ideas, refresh_voted_ideas_of_window

    if not refresh_voted_ideas.get_backend().supports_defer:  # e.g. the immediate backend of the tests
        refresh_voted_ideas.enqueue(idea_ids=[idea_id])
        return
    client = shared_redis()
    if client is None:
        # A cache of this process only (development): one queued task per idea and window.
        if cache.add(f"votes:window:idea:{idea_id}", 1, timeout=WINDOW_SECONDS):
            run_after = timezone.now() + timedelta(seconds=WINDOW_SECONDS)
            refresh_voted_ideas.using(run_after=run_after).enqueue(idea_ids=[idea_id])
        return
    # Redis: the ideas voted on in a window gather in one set, and the first vote of the window queues
    # the one task for them all, for the window's end (one task row per window, not one per idea).
    # One round trip adds the idea; only a process's first vote of a window also asks whether it is
    # the window's first anywhere.
    window = current_window()
    if _added_here["window"] != window:
        _added_here.update(window=window, ideas=set(), asked=False)
    elif idea_id in _added_here["ideas"]:
        return  # in the window's set already; its task runs only once the window is over
    ideas_key = _window_key(window)
    ask = not _added_here["asked"]
    pipeline = client.pipeline(transaction=False)
    pipeline.sadd(ideas_key, idea_id)
    pipeline.expire(ideas_key, WINDOW_KEEP_SECONDS)
    if ask:
        pipeline.set(f"{ideas_key}:queued", 1, nx=True, ex=WINDOW_KEEP_SECONDS)
    answers = pipeline.execute()
    _added_here["ideas"].add(idea_id)
    if ask:
        _added_here["asked"] = True
        if answers[-1]:
            window_end = datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, tz=UTC)
            refresh_voted_ideas_of_window.using(run_after=window_end + WINDOW_GRACE).enqueue(window=window)


# The ideas this process has put in the current window's set, and whether it has asked if it is the
# window's first: another vote on one of them in the same window needs no Redis call at all. (Threads
# may race here; the worst outcome is a repeated SADD or SET.)
_added_here: dict = {"window": None, "ideas": set(), "asked": False}


def current_window() -> int:
    return int(time.time() // WINDOW_SECONDS)


def take_voted_ideas(window: int) -> list[int]:
    """The ideas voted on in the window (and forget them): what its queued task refreshes."""
    client = shared_redis()
    if client is None:
        return []
    pipeline = client.pipeline(transaction=True)
    pipeline.smembers(_window_key(window))
    pipeline.delete(_window_key(window))
    members, _ = pipeline.execute()
    return sorted(int(pk) for pk in members)


def _window_key(window: int) -> str:
    return cache.make_and_validate_key(f"votes:window:{window}")
