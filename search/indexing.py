"""What services call when searchable content changes. Nothing is sent before the commit."""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def ideas_changed(idea_ids) -> None:
    """Reindex these ideas once the current transaction commits; nothing if it rolls back.

    `robust=True`: if even queueing the task fails (the task table unreachable), Django logs it and
    the request that made the change still succeeds.
    """
    from .tasks import index_ideas

    ids = sorted({int(pk) for pk in idea_ids})
    if ids:
        transaction.on_commit(partial(index_ideas.enqueue, idea_ids=ids), robust=True)


def idea_changed(idea_id: int) -> None:
    ideas_changed([idea_id])
