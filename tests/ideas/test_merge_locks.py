"""Merging locks both ideas lowest id first, so two merges of the same pair (in either direction) wait
for each other instead of deadlocking. Checked on the statements PostgreSQL receives."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ideas.models import Idea
from ideas.services import idea_merge, idea_unmerge

from ..factories import make_idea

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) are PostgreSQL's; SQLite leaves the clause out")


def first_idea_lock(queries) -> str:
    table = connection.ops.quote_name(Idea._meta.db_table)
    return next(q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and f"FROM {table}" in q["sql"])


def locks_in_id_order(sql: str) -> bool:
    table = connection.ops.quote_name(Idea._meta.db_table)
    return f"ORDER BY {table}.{connection.ops.quote_name('id')} ASC" in sql


def test_merge_and_undo_lock_both_ideas_lowest_id_first(adam):
    older = make_idea(title="The original")
    newer = make_idea(title="A duplicate")
    with CaptureQueriesContext(connection) as merged:
        merge = idea_merge(source=newer, target=older, merged_by=adam, note="Same thing")
    assert locks_in_id_order(first_idea_lock(merged.captured_queries))
    with CaptureQueriesContext(connection) as undone:
        idea_unmerge(merge=merge, undone_by=adam)
    assert locks_in_id_order(first_idea_lock(undone.captured_queries))
