"""Index sync in the background. Tasks take ids and read the rows afresh when they run, so each is safe
to run twice (it writes the same documents again).

A transient failure (the database unreachable: operations.retry) is retried with back-off. Any other
failed index call is logged and dropped, never raised: the write it follows has committed already, and
`manage.py search_index --check` / `--rebuild` (and, for vote counts, the reconciliation job) finds and
repairs what was missed.
"""

import logging

from django.db import InterfaceError, OperationalError
from django_tasks import task

import search
from ideas.models import Comment
from operations.retry import retry_transient

logger = logging.getLogger(__name__)

# Retried (operations.retry): the database away, which the database backend and every task's reads need.
# The Elasticsearch client retries its own connection errors; what still fails is logged and dropped.
DATABASE_AWAY = (OperationalError, InterfaceError)


@task()
@retry_transient(retry_on=DATABASE_AWAY)
def index_ideas(*, idea_ids: list[int]) -> int:
    try:
        return search.backend().index_ideas(idea_ids)
    except DATABASE_AWAY:
        raise
    except Exception:
        logger.exception(
            "Indexing ideas %s failed; `manage.py search_index --check` will list them.", idea_ids
        )
        return 0


@task()
@retry_transient(retry_on=DATABASE_AWAY)
def remove_ideas(*, idea_ids: list[int]) -> None:
    try:
        search.backend().remove_ideas(idea_ids)
    except DATABASE_AWAY:
        raise
    except Exception:
        logger.exception("Removing ideas %s from the index failed.", idea_ids)


@task()
@retry_transient(retry_on=DATABASE_AWAY)
def index_comments(*, comment_ids: list[int]) -> int:
    """A comment's own document, then its idea's (which carries the idea's public comments)."""
    try:
        backend = search.backend()
        count = backend.index_comments(comment_ids)
        backend.index_ideas(set(Comment.objects.filter(pk__in=comment_ids).values_list("idea_id", flat=True)))
        return count
    except DATABASE_AWAY:
        raise
    except Exception:
        logger.exception("Indexing comments %s failed; `search_index --rebuild` repairs it.", comment_ids)
        return 0


@task()
@retry_transient(retry_on=DATABASE_AWAY)
def index_prototypes(*, prototype_ids: list[int]) -> int:
    try:
        return search.backend().index_prototypes(prototype_ids)
    except DATABASE_AWAY:
        raise
    except Exception:
        logger.exception("Indexing prototypes %s failed; `search_index --rebuild` repairs it.", prototype_ids)
        return 0


@task()
@retry_transient(retry_on=DATABASE_AWAY)
def update_votes(*, idea_ids: list[int]) -> None:
    try:
        search.backend().update_votes(idea_ids)
    except DATABASE_AWAY:
        raise
    except Exception:
        logger.exception("Updating the vote counts of ideas %s in the index failed.", idea_ids)
