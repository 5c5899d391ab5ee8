"""Casting and withdrawing votes with counters that always equal the rows in the vote table."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ideas import broadcasts
from ideas.models import Idea
from ideas.ranking import hot_score, top_score
from search import indexing as search_indexing

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


TRENDING_WINDOW = timedelta(days=7)

# The vote path is plain SQL: building these statements with the ORM cost ~2 ms of CPU per vote,
# more than everything else a vote does (bench/RESULTS.md). Table names come from the models; every
# value is a parameter. The rules stay on the models: the locked row is loaded into an Idea
# (`is_open_for_votes`), and the scores come from ideas/ranking.py.
_IDEA, _VOTE = Idea._meta.db_table, Vote._meta.db_table
# In the model's field order, as Idea.from_db expects them.
_IDEA_FIELDS = tuple(
    field.attname
    for field in Idea._meta.concrete_fields
    if field.attname
    in {"id", "status", "visibility", "created_at", "upvote_count", "downvote_count", "campaign_id"}
)
_LOCK_IDEA = f"SELECT {', '.join(_IDEA_FIELDS)} FROM {_IDEA} WHERE id = %s"  # noqa: S608
_FIND_VOTE = f"SELECT id, value, created_at, discounted_at FROM {_VOTE} WHERE idea_id = %s AND member_id = %s"  # noqa: S608
_INSERT_VOTE = f"INSERT INTO {_VOTE} (idea_id, member_id, value, created_at) VALUES (%s, %s, %s, %s)"  # noqa: S608
_SET_VOTE = f"UPDATE {_VOTE} SET value = %s WHERE id = %s"  # noqa: S608
_DELETE_VOTE = f"DELETE FROM {_VOTE} WHERE id = %s"  # noqa: S608
_COUNT = (
    f"UPDATE {_IDEA} SET upvote_count = upvote_count + %s, downvote_count = downvote_count + %s, "  # noqa: S608
    "trending_score = trending_score + %s, hot_score = %s, top_score = %s WHERE id = %s"
)


@dataclass(frozen=True)
class _CastVote:
    id: int
    value: int
    created_at: datetime
    discounted_at: datetime | None


def _aware(moment):
    # PostgreSQL hands back aware datetimes; SQLite naive UTC ones (the ORM converts them for us).
    return timezone.make_aware(moment, UTC) if moment is not None and timezone.is_naive(moment) else moment


def _locked_idea(cursor, idea_id: int) -> Idea:
    # Every vote on an idea takes its row lock first, so the counters read here are current and
    # the increments below can never drift from the vote rows (SQLite: IMMEDIATE transactions).
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    cursor.execute(_LOCK_IDEA + lock, [idea_id])
    row = cursor.fetchone()
    if row is None:
        raise Idea.DoesNotExist
    idea = Idea.from_db(connection.alias, _IDEA_FIELDS, row)
    idea.created_at = _aware(idea.created_at)
    return idea


def _existing_vote(cursor, idea: Idea, member) -> _CastVote | None:
    # Read after the idea's lock is taken: under READ COMMITTED this sees any vote that a parallel
    # request committed meanwhile. Every path that adds or moves vote rows (here, merge and unmerge)
    # holds the idea's row lock; the unique constraint still stands behind that rule.
    cursor.execute(_FIND_VOTE, [idea.pk, member.pk])
    row = cursor.fetchone()
    if row is None:
        return None
    return _CastVote(row[0], row[1], _aware(row[2]), _aware(row[3]))


def _apply(cursor, idea: Idea, *, up_delta: int, down_delta: int, trending_delta: int) -> tuple[int, int]:
    upvotes = idea.upvote_count + up_delta
    downvotes = idea.downvote_count + down_delta
    cursor.execute(
        _COUNT,
        [
            up_delta,
            down_delta,
            trending_delta,
            hot_score(upvotes=upvotes, downvotes=downvotes, posted_at=idea.created_at),
            top_score(upvotes=upvotes, downvotes=downvotes),
            idea.pk,
        ],
    )
    broadcasts.broadcast_idea_votes(idea_id=idea.pk, upvotes=upvotes, downvotes=downvotes)
    search_indexing.votes_changed(idea.pk)
    return upvotes, downvotes


def vote_cast(*, member, idea_id: int, value: int = Vote.Value.UP) -> VoteTally:
    """Record `member`'s vote on an idea; casting the same vote again changes nothing.

    Raises Idea.DoesNotExist for a missing idea and VotingClosed when it takes no votes.
    """
    if value not in Vote.Value.values:
        raise ValueError(_("A vote is +1 or -1."))
    with transaction.atomic(), connection.cursor() as cursor:
        idea = _locked_idea(cursor, idea_id)
        if not idea.is_open_for_votes:
            raise VotingClosed(_("This idea no longer takes votes."))
        existing = _existing_vote(cursor, idea, member)
        if existing is not None and existing.value == value:
            return VoteTally(idea.pk, idea.upvote_count, idea.downvote_count, value)
        if existing is None:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(_INSERT_VOTE, [idea.pk, member.pk, value, now])
            up_delta, down_delta = (1, 0) if value == Vote.Value.UP else (0, 1)
            recent = True
        else:
            cursor.execute(_SET_VOTE, [value, existing.id])
            if existing.discounted_at is not None:
                # A discounted vote is not in the counters; changing its direction changes nothing there.
                return VoteTally(idea.pk, idea.upvote_count, idea.downvote_count, value)
            up_delta, down_delta = (1, -1) if value == Vote.Value.UP else (-1, 1)
            recent = existing.created_at >= timezone.now() - TRENDING_WINDOW
        trending = up_delta if recent else 0
        upvotes, downvotes = _apply(
            cursor, idea, up_delta=up_delta, down_delta=down_delta, trending_delta=trending
        )
        return VoteTally(idea.pk, upvotes, downvotes, value)


def vote_withdraw(*, member, idea_id: int) -> VoteTally:
    """Remove `member`'s vote on an idea, if any. Raises Idea.DoesNotExist for a missing idea."""
    with transaction.atomic(), connection.cursor() as cursor:
        idea = _locked_idea(cursor, idea_id)
        withdrawn = _existing_vote(cursor, idea, member)
        if withdrawn is None:
            return VoteTally(idea.pk, idea.upvote_count, idea.downvote_count, 0)
        cursor.execute(_DELETE_VOTE, [withdrawn.id])
        if withdrawn.discounted_at is not None:  # never counted, so nothing to take off
            return VoteTally(idea.pk, idea.upvote_count, idea.downvote_count, 0)
        up_delta, down_delta = (-1, 0) if withdrawn.value == Vote.Value.UP else (0, -1)
        trending = up_delta if withdrawn.created_at >= timezone.now() - TRENDING_WINDOW else 0
        upvotes, downvotes = _apply(
            cursor, idea, up_delta=up_delta, down_delta=down_delta, trending_delta=trending
        )
        return VoteTally(idea.pk, upvotes, downvotes, 0)
