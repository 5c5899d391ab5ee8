"""Casting and withdrawing votes with counters that always equal the rows in the vote table."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ideas import broadcasts
from ideas.models import Idea, Visibility

from . import windows
from .models import Vote


class VotingClosed(Exception):
    """The idea takes no votes (merged, declined, not public, or its campaign is closed)."""


@dataclass(frozen=True)
class VoteTally:
    idea_id: int
    upvotes: int
    downvotes: int
    my_vote: int  # 1, -1, or 0 when the member has no vote

    @property
    def votes(self) -> int:
        return self.upvotes - self.downvotes


# Votes are the busiest write in the product, so they are plain SQL: building these statements with
# the ORM cost ~2 ms of CPU per vote (bench/RESULTS.md). On PostgreSQL a vote is one call of the
# function `voting_apply_vote` (voting/migrations/0003_vote_function.py): one statement, one round trip, no
# BEGIN/COMMIT. Elsewhere (SQLite) the same steps run from Python, below. Both take the idea's row lock
# first, so the counters read there are current and can never drift from the vote rows, and both leave
# the ranking scores to the window after the vote (voting.windows).
_IDEA, _VOTE = Idea._meta.db_table, Vote._meta.db_table
# In the model's field order, as Idea.from_db expects them.
_IDEA_FIELDS = tuple(
    field.attname
    for field in Idea._meta.concrete_fields
    if field.attname in {"id", "status", "visibility", "upvote_count", "downvote_count", "campaign_id"}
)
_LOCK_IDEA = f"SELECT {', '.join(_IDEA_FIELDS)} FROM {_IDEA} WHERE id = %s"  # noqa: S608
_FIND_VOTE = f"SELECT id, value, discounted_at FROM {_VOTE} WHERE idea_id = %s AND member_id = %s"  # noqa: S608
_INSERT_VOTE = f"INSERT INTO {_VOTE} (idea_id, member_id, value, created_at) VALUES (%s, %s, %s, %s)"  # noqa: S608
_SET_VOTE = f"UPDATE {_VOTE} SET value = %s WHERE id = %s"  # noqa: S608
_DELETE_VOTE = f"DELETE FROM {_VOTE} WHERE id = %s"  # noqa: S608
# Only the counters: no indexed column, so PostgreSQL can update the row in place (a HOT update).
_COUNT = (
    f"UPDATE {_IDEA} SET upvote_count = upvote_count + %s, downvote_count = downvote_count + %s "  # noqa: S608
    "WHERE id = %s"
)


def _sql_text(value: str) -> str:
    """A constant of the code (a model choice, never input) as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


# The rule of Idea.is_open_for_votes goes in as literals from the model: sent as parameters, the list
# of closed statuses cost more to convert on every vote than the rest of the call.
_CLOSED = f"ARRAY[{', '.join(_sql_text(status) for status in sorted(Idea.CLOSED_TO_VOTES))}]::text[]"
_PUBLIC = _sql_text(Visibility.PUBLIC)
_VOTE_IN_POSTGRESQL = f"SELECT * FROM voting_apply_vote(%s, %s, %s, {_CLOSED}, {_PUBLIC}, %s)"  # noqa: S608

WITHDRAW = 0  # the `value` that takes a member's vote back


@dataclass(frozen=True)
class _Outcome:
    kind: str  # "changed", "unchanged", "missing" or "closed", as the PostgreSQL function says
    upvotes: int = 0
    downvotes: int = 0


def vote_cast(*, member, idea_id: int, value: int = Vote.Value.UP) -> VoteTally:
    """Record `member`'s vote on an idea; casting the same vote again changes nothing.

    Raises Idea.DoesNotExist for a missing idea and VotingClosed when it takes no votes.
    """
    if value not in Vote.Value.values:
        raise ValueError(_("A vote is +1 or -1."))
    return _vote(member, idea_id, value)


def vote_withdraw(*, member, idea_id: int) -> VoteTally:
    """Remove `member`'s vote on an idea, if any. Raises Idea.DoesNotExist for a missing idea."""
    return _vote(member, idea_id, WITHDRAW)


def _vote(member, idea_id: int, value: int) -> VoteTally:
    if connection.vendor == "postgresql":
        outcome = _vote_in_postgresql(member, idea_id, value)
    else:
        with transaction.atomic():
            outcome = _vote_in_python(member, idea_id, value)
    if outcome.kind == "missing":
        raise Idea.DoesNotExist
    if outcome.kind == "closed":
        raise VotingClosed(_("This idea no longer takes votes."))
    if outcome.kind == "changed":
        broadcasts.broadcast_idea_votes(idea_id=idea_id, upvotes=outcome.upvotes, downvotes=outcome.downvotes)
        windows.idea_voted(idea_id)
    return VoteTally(idea_id, outcome.upvotes, outcome.downvotes, value)


def _vote_in_postgresql(member, idea_id: int, value: int) -> _Outcome:
    # The function checks the rule of Idea.is_open_for_votes, with the statuses and the visibility
    # given from the model (tests/voting/test_services.py checks that the two always agree).
    with connection.cursor() as cursor:
        cursor.execute(_VOTE_IN_POSTGRESQL, [idea_id, member.pk, value, timezone.now()])
        return _Outcome(*cursor.fetchone())


def _vote_in_python(member, idea_id: int, value: int) -> _Outcome:
    """What the PostgreSQL function does, step by step (SQLite: the transaction is IMMEDIATE, which
    stands in for the row lock)."""
    with connection.cursor() as cursor:
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        cursor.execute(_LOCK_IDEA + lock, [idea_id])
        row = cursor.fetchone()
        if row is None:
            return _Outcome("missing")
        idea = Idea.from_db(connection.alias, _IDEA_FIELDS, row)
        unchanged = _Outcome("unchanged", idea.upvote_count, idea.downvote_count)
        if value != WITHDRAW and not idea.is_open_for_votes:
            return _Outcome("closed", idea.upvote_count, idea.downvote_count)
        # Read after the idea's lock is taken, so this sees any vote a parallel request committed
        # meanwhile. Every path that adds or moves vote rows (here, merge and unmerge) holds the idea's
        # row lock; the unique constraint still stands behind that rule.
        cursor.execute(_FIND_VOTE, [idea.pk, member.pk])
        existing = cursor.fetchone()
        if existing is None:
            if value == WITHDRAW:
                return unchanged
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(_INSERT_VOTE, [idea.pk, member.pk, value, now])
            up_delta, down_delta = (1, 0) if value == Vote.Value.UP else (0, 1)
        else:
            vote_id, old_value, discounted_at = existing
            if old_value == value:
                return unchanged
            if value == WITHDRAW:
                cursor.execute(_DELETE_VOTE, [vote_id])
                up_delta, down_delta = (-1, 0) if old_value == Vote.Value.UP else (0, -1)
            else:
                cursor.execute(_SET_VOTE, [value, vote_id])
                up_delta, down_delta = (1, -1) if value == Vote.Value.UP else (-1, 1)
            if discounted_at is not None:
                return unchanged  # a discounted vote is not in the counters: they stay as they are
        cursor.execute(_COUNT, [up_delta, down_delta, idea.pk])
        return _Outcome("changed", idea.upvote_count + up_delta, idea.downvote_count + down_delta)
