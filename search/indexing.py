"""What services call when searchable content changes. Nothing is sent before the commit.

idea_changed(id)       an idea's text, tags, status, visibility, segment, product or campaign
comment_changed(id)    a comment posted, edited, hidden or restored (its idea is reindexed too:
                       the idea's document carries its public comments' words)
prototype_changed(id)  a prototype created, published, or given a variant

Vote counts follow votes per 10-second window, with the ranking scores (voting.windows).
"""

from functools import partial

from django.db import transaction

from .tasks import index_comments, index_ideas, index_prototypes


def _on_commit(task, **ids) -> None:
    """Queue `task` once the current transaction commits; nothing if it rolls back.

    `robust=True`: if even queueing the task fails (the task table unreachable), Django logs it and
    the request that made the change still succeeds.
    """
    transaction.on_commit(partial(task.enqueue, **ids), robust=True)


def ideas_changed(idea_ids) -> None:
    """Reindex these ideas once the current transaction commits."""
    ids = sorted({int(pk) for pk in idea_ids})
    if ids:
        _on_commit(index_ideas, idea_ids=ids)


def idea_changed(idea_id: int) -> None:
    ideas_changed([idea_id])


def comment_changed(comment_id: int) -> None:
    """Reindex a comment (removed from the index unless public on a visible idea) and its idea."""
    _on_commit(index_comments, comment_ids=[int(comment_id)])


def prototype_changed(prototype_id: int) -> None:
    """Reindex a prototype (removed from the index unless published)."""
    _on_commit(index_prototypes, prototype_ids=[int(prototype_id)])
