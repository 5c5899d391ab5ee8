"""The vote function is generated from the models and the one rule, and the database holds exactly that."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from ideas.models import Idea, Visibility
from voting import sql
from voting.services import vote_cast

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


def test_the_function_carries_the_truth_table_of_the_models_rule():
    assert sql.open_states() == [
        (status, visibility)
        for status in Idea.Status.values
        for visibility in Visibility.values
        if Idea.takes_votes(status=status, visibility=visibility)
    ]
    assert ("shipped", "public") in sql.open_states()
    assert not any(status in Idea.CLOSED_TO_VOTES for status, _ in sql.open_states())


def test_a_changed_rule_or_column_changes_the_generated_function(monkeypatch):
    """What makes a change without a migration fail test_the_installed_function_is_the_generated_one."""
    today = sql.function_body()
    monkeypatch.setattr(Idea, "CLOSED_TO_VOTES", (*Idea.CLOSED_TO_VOTES, Idea.Status.SHIPPED))
    assert ("shipped", "public") not in sql.open_states()
    assert sql.function_body() != today
    monkeypatch.undo()
    monkeypatch.setattr(Idea._meta.get_field("upvote_count"), "column", "supporters")
    assert '"supporters"' in sql.function_body() and '"upvote_count"' not in sql.function_body()


@pytest.fixture
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the vote function exists on PostgreSQL only (DATABASE_URL)")


@pytest.mark.postgres
@pytest.mark.usefixtures("_needs_postgres")
def test_the_installed_function_is_the_generated_one():
    """If this fails, the rule, a choice or a column changed: add a migration that reinstalls the function
    (see voting/migrations/0004_generated_vote_function.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT prosrc, pg_get_function_identity_arguments(oid) FROM pg_proc WHERE proname = %s",
            [sql.NAME],
        )
        installed = cursor.fetchall()
    assert installed == [(sql.function_body(), sql.IDENTITY_ARGUMENTS)]


def _sql_takes_the_vote(idea, member) -> bool:
    """Ask the database function itself, and leave nothing behind."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT outcome FROM {sql.NAME}(%s, %s, 1, %s)",  # noqa: S608
                [idea.pk, member.pk, timezone.now()],
            )
            (outcome,) = cursor.fetchone()
        transaction.set_rollback(True)
    assert outcome in {"changed", "closed"}, outcome
    return outcome == "changed"


@pytest.mark.postgres
@pytest.mark.usefixtures("_needs_postgres")
@pytest.mark.parametrize("locked", [False, True])
@pytest.mark.parametrize("campaign", [None, "open", "closed", "upcoming"])
def test_python_and_sql_agree_on_every_state(request, campaign, locked):
    """Every status × visibility, merged ideas pointing at their target, locked or not, in and out of a
    campaign's dates: the function takes a vote exactly where Idea.is_open_for_votes says."""
    member = MemberFactory()
    target = make_idea()
    page = None
    if campaign:
        pages = request.getfixturevalue("campaigns")
        page = pages["closed" if campaign == "upcoming" else campaign]
        if campaign == "upcoming":
            now = timezone.now()
            type(page).objects.filter(pk=page.pk).update(
                starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=8)
            )
    seen = set()
    for status in Idea.Status.values:
        for visibility in Visibility.values:
            idea = make_idea()
            Idea.objects.filter(pk=idea.pk).update(
                status=status,
                visibility=visibility,
                campaign=page,
                locked_at=timezone.now() if locked else None,
                merged_into=target if status == Idea.Status.MERGED else None,
            )
            in_python = Idea.objects.get(pk=idea.pk).is_open_for_votes
            assert _sql_takes_the_vote(idea, member) == in_python, (status, visibility, campaign, locked)
            seen.add(in_python)
    assert seen == ({True, False} if campaign in (None, "open") else {False})


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.usefixtures("_needs_postgres")
@pytest.mark.parametrize(("setting", "expected"), [(False, "off"), (True, "on")])
def test_a_vote_commits_without_waiting_for_the_disk_unless_told_to(settings, setting, expected):
    """VOTE_SYNCHRONOUS_COMMIT: the vote's own transaction (here the test's, still open) commits with
    synchronous_commit off by default, as the setting's comment says; other writes keep the server's."""
    settings.VOTE_SYNCHRONOUS_COMMIT = setting
    idea, member = make_idea(), MemberFactory()
    assert _synchronous_commit() == "on"
    tally = vote_cast(member=member, idea_id=idea.pk, value=1)
    assert (tally.upvotes, tally.my_vote) == (1, 1)
    assert _synchronous_commit() == expected


@pytest.mark.postgres
@pytest.mark.usefixtures("_needs_postgres")
@pytest.mark.django_db(transaction=True)
def test_the_next_transaction_waits_for_the_disk_again():
    idea, member = make_idea(), MemberFactory()
    vote_cast(member=member, idea_id=idea.pk, value=1)
    assert _synchronous_commit() == "on"
    assert Idea.objects.get(pk=idea.pk).upvote_count == 1
