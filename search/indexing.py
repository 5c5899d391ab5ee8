"""What services call when searchable content changes. Nothing is sent before the commit.

idea_changed(id)       an idea's text, tags, status, visibility, segment, product or campaign
comment_changed(id)    a comment posted, edited, hidden or restored (its idea is reindexed too:
                       the idea's document carries its public comments' words)
prototype_changed(id)  a prototype created, published, or given a variant

Vote counts follow votes per 10-second window, with the ranking scores (voting.windows).
"""

from django.db import transaction

from .tasks import index_comments, index_ideas, index_prototypes


def _on_commit(task, **ids) -> None:
    """Queue `task` once the current transaction commits; nothing if it rolls back.

    If even queueing the task fails (the task table unreachable, the backend refusing), the failure is
    logged and the request that made the change still succeeds: its change is committed, and
    `manage.py search_index --check` finds what the index missed. A named function, not
    functools.partial: with robust=True Django logs a failing callback by its __qualname__, which a
    partial lacks (that AttributeError escaped into the request as a 500).
    """

    def enqueue_indexing():
        task.enqueue(**ids)

    transaction.on_commit(enqueue_indexing, robust=True)


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
