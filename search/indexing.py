"""What services call when searchable content changes. Nothing is sent before the commit.

idea_changed(id)       an idea's text, tags, status, visibility, segment, product or campaign
comment_changed(id)    a comment posted, edited, hidden or restored (its idea is reindexed too:
                       the idea's document carries its public comments' words)
prototype_changed(id)  a prototype created, published, or given a variant
votes_changed(id)      a vote cast or withdrawn: only the document's vote count, debounced
"""

import logging
from datetime import timedelta
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# A popular idea takes many votes a minute; its documents' vote counts are rewritten at most once per
# this many seconds (the queued update runs at the end of the window and reads the counts then).
VOTES_DEBOUNCE_SECONDS = 10


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
    from .tasks import update_votes

    if not update_votes.get_backend().supports_defer:  # e.g. the immediate backend of the tests
        update_votes.enqueue(idea_ids=[idea_id])
        return
    # The first vote of a window queues an update for the window's end; later ones ride along.
    if cache.add(f"search:votes:{idea_id}", 1, timeout=VOTES_DEBOUNCE_SECONDS):
        run_after = timezone.now() + timedelta(seconds=VOTES_DEBOUNCE_SECONDS)
        update_votes.using(run_after=run_after).enqueue(idea_ids=[idea_id])
