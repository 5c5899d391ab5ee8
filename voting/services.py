"""Casting and withdrawing votes with counters that always equal the rows in the vote table."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ideas import broadcasts
from ideas.models import Idea
from ideas.services import idea_recount

from . import signals, sql, tasks, windows
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


# A vote on PostgreSQL is one call of the database function `voting_apply_vote`: one statement, one round
# trip, no BEGIN/COMMIT. Its SQL is generated from the models and Idea.takes_votes (voting/sql.py, which
# says why: the ORM's six round trips cost the vote too much of its throughput target). Elsewhere
# (SQLite) the same steps run through the ORM, below. Both take the idea's row lock first, so the
# counters read there are current and can never drift from the vote rows, and both mark the idea for
# the window's rescore in the same transaction (voting.windows: the ranking scores follow later).
_VOTE_CALL = f"{sql.NAME}(%s, %s, %s, %s)"
_VOTE_IN_POSTGRESQL = f"SELECT * FROM {_VOTE_CALL}"  # noqa: S608
# The same call in a transaction that commits without waiting for the disk (VOTE_SYNCHRONOUS_COMMIT off,
# cocreate/settings/base.py says what that risks): set_config(…, true) is SET LOCAL, which lasts until
# the statement's own transaction commits, so it applies to this vote's commit and to nothing else.
_VOTE_IN_POSTGRESQL_NO_WAIT = (
    f"SELECT vote.* FROM set_config('synchronous_commit', 'off', true), {_VOTE_CALL} AS vote"  # noqa: S608
)

WITHDRAW = sql.WITHDRAW  # the `value` that takes a member's vote back


@dataclass(frozen=True)
class _Outcome:
    kind: str  # "changed", "unchanged", "missing" or "closed", as the PostgreSQL function says
    upvotes: int = 0
    downvotes: int = 0


def vote_cast(*, member, idea_id: int, value: int = Vote.Value.UP) -> VoteTally:
    """Record `member`'s vote on an idea; casting the same vote again changes nothing.

    Raises Idea.DoesNotExist for a missing idea and VotingClosed when it takes no votes
    (Idea.is_open_for_votes). Locking: the idea's row is locked (FOR UPDATE) before the member's vote is
    read, and the counters change by F()-style increments under that lock in the same transaction, so
    they always equal the counted vote rows; the broadcast and the rescoring wait for the commit.
    """
    if value not in Vote.Value.values:
        raise ValueError(_("A vote is +1 or -1."))
    return _vote(member, idea_id, value)


def vote_withdraw(*, member, idea_id: int) -> VoteTally:
    """Remove `member`'s vote on an idea, if any, under the same lock as vote_cast.

    Taking a vote back works whether or not the idea still takes votes. Raises Idea.DoesNotExist for a
    missing idea.
    """
    return _vote(member, idea_id, WITHDRAW)


@transaction.atomic
def votes_set_discounted(*, vote_ids, discounted: bool) -> int:
    """Leave these votes out of their ideas' counters (discounted) or count them again; returns how many
    changed. Voters still see their own votes either way.

    Locking: takes the ideas' row locks, lowest id first, before touching the votes, then recounts the
    ideas from the rows under those locks (ideas.services.idea_recount), so the counters stay exactly
    equal to the counted votes while votes keep coming in.
    """
    idea_ids = sorted(set(Vote.objects.filter(pk__in=vote_ids).values_list("idea_id", flat=True)))
    list(Idea.objects.select_for_update(of=("self",)).filter(pk__in=idea_ids).order_by("pk").values("pk"))
    votes = Vote.objects.filter(pk__in=vote_ids, discounted_at__isnull=discounted)
    changed = votes.update(discounted_at=timezone.now() if discounted else None)
    idea_recount(idea_ids=idea_ids)
    windows.mark_pending(idea_ids)  # trending and the search counts follow with the next window
    return changed


def _vote(member, idea_id: int, value: int) -> VoteTally:
    if connection.vendor == "postgresql":
        outcome = _vote_in_postgresql(member, idea_id, value)
    else:
        outcome = _vote_with_orm(member, idea_id, value)
    if outcome.kind == "missing":
        raise Idea.DoesNotExist
    if outcome.kind == "closed":
        raise VotingClosed(_("This idea no longer takes votes."))
    if outcome.kind == "changed":
        broadcasts.broadcast_idea_votes(idea_id=idea_id, upvotes=outcome.upvotes, downvotes=outcome.downvotes)
        # The counters after the vote, as it read them: receivers (webhook thresholds) need no query.
        signals.votes_changed.send(
            sender=Vote, idea_id=idea_id, upvotes=outcome.upvotes, downvotes=outcome.downvotes, value=value
        )
        _rescore_at_once_without_scheduler()
    return VoteTally(idea_id, outcome.upvotes, outcome.downvotes, value)


def _rescore_at_once_without_scheduler() -> None:
    """The vote marked its idea; the scheduler's sweep rescores it at the window's end (voting.windows).
    A queue that runs tasks at once (the tests) has no scheduler behind it: sweep after the commit."""
    if tasks.rescore_pending.get_backend().supports_defer:
        return
    transaction.on_commit(_sweep_after_vote, robust=True)


def _sweep_after_vote() -> None:
    tasks.rescore_pending.enqueue()


def _vote_in_postgresql(member, idea_id: int, value: int) -> _Outcome:
    statement = _VOTE_IN_POSTGRESQL if settings.VOTE_SYNCHRONOUS_COMMIT else _VOTE_IN_POSTGRESQL_NO_WAIT
    with connection.cursor() as cursor:
        cursor.execute(statement, [idea_id, member.pk, value, timezone.now()])
        return _Outcome(*cursor.fetchone())


def _vote_with_orm(member, idea_id: int, value: int) -> _Outcome:
    """What the PostgreSQL function does, step by step (SQLite: the transaction is IMMEDIATE, which
    stands in for the row lock)."""
    with transaction.atomic():
        idea = (
            Idea.objects.select_for_update(of=("self",))
            .select_related("workflow_status")
            .only(
                "status",
                "visibility",
                "upvote_count",
                "downvote_count",
                "campaign_id",
                "workflow_status__takes_votes",
            )
            .filter(pk=idea_id)
            .first()
        )
        if idea is None:
            return _Outcome("missing")
        unchanged = _Outcome("unchanged", idea.upvote_count, idea.downvote_count)
        if value != WITHDRAW and not idea.is_open_for_votes:
            return _Outcome("closed", idea.upvote_count, idea.downvote_count)
        # Read after the idea's lock is taken, so this sees any vote a parallel request committed
        # meanwhile. Every path that adds or moves vote rows (here, merge and unmerge) holds the idea's
        # row lock; the unique constraint still stands behind that rule.
        mine = (
            Vote.objects.filter(idea_id=idea_id, member_id=member.pk).only("value", "discounted_at").first()
        )
        if mine is None:
            if value == WITHDRAW:
                return unchanged
            Vote.objects.create(idea_id=idea_id, member_id=member.pk, value=value)
            up_delta, down_delta = (1, 0) if value == Vote.Value.UP else (0, 1)
        else:
            if mine.value == value:
                return unchanged
            if value == WITHDRAW:
                Vote.objects.filter(pk=mine.pk).delete()
                up_delta, down_delta = (-1, 0) if mine.value == Vote.Value.UP else (0, -1)
            else:
                Vote.objects.filter(pk=mine.pk).update(value=value)
                up_delta, down_delta = (1, -1) if value == Vote.Value.UP else (-1, 1)
            if mine.discounted_at is not None:
                return unchanged  # a discounted vote is not in the counters: they stay as they are
        Idea.objects.filter(pk=idea_id).update(
            upvote_count=F("upvote_count") + up_delta, downvote_count=F("downvote_count") + down_delta
        )
        windows.mark_pending([idea_id])
        return _Outcome("changed", idea.upvote_count + up_delta, idea.downvote_count + down_delta)
