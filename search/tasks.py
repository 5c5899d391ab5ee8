"""Index sync in the background. Tasks take ids and read the rows afresh when they run.

A failed index call is logged and dropped, never raised: the write it follows has committed already,
and `manage.py search_index --check` / `--rebuild` finds and repairs what was missed.
"""

import logging

from django_tasks import task

import search

logger = logging.getLogger(__name__)


@task()
def index_ideas(*, idea_ids: list[int]) -> int:
    try:
        return search.backend().index_ideas(idea_ids)
    except Exception:
        logger.exception(
            "Indexing ideas %s failed; `manage.py search_index --check` will list them.", idea_ids
        )
        return 0


@task()
def remove_ideas(*, idea_ids: list[int]) -> None:
    try:
        search.backend().remove_ideas(idea_ids)
    except Exception:
        logger.exception("Removing ideas %s from the index failed.", idea_ids)
