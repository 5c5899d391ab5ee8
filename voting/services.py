"""Casting and withdrawing votes with counters that always equal the rows in the vote table."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
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


def _apply(idea: Idea, *, up_delta: int, down_delta: int, trending_delta: int) -> tuple[int, int]:
    upvotes = idea.upvote_count + up_delta
    downvotes = idea.downvote_count + down_delta
    Idea.objects.filter(pk=idea.pk).update(
        upvote_count=F("upvote_count") + up_delta,
        downvote_count=F("downvote_count") + down_delta,
        trending_score=F("trending_score") + trending_delta,
        hot_score=hot_score(upvotes=upvotes, downvotes=downvotes, posted_at=idea.created_at),
        top_score=top_score(upvotes=upvotes, downvotes=downvotes),
    )
    broadcasts.broadcast_idea_votes(idea_id=idea.pk, upvotes=upvotes, downvotes=downvotes)
    search_indexing.votes_changed(idea.pk)
    return upvotes, downvotes


def _locked_idea(idea_id: int) -> Idea:
    # Every vote on an idea takes its row lock first, so the counters read here are current and
    # the F() updates below can never drift from the vote rows (SQLite: IMMEDIATE transactions).
    return (
        Idea.objects.select_for_update()
        .only("id", "status", "visibility", "created_at", "upvote_count", "downvote_count", "campaign_id")
        .get(pk=idea_id)
    )


def vote_cast(*, member, idea_id: int, value: int = Vote.Value.UP) -> VoteTally:
    """Record `member`'s vote on an idea; casting the same vote again changes nothing.

    Raises Idea.DoesNotExist for a missing idea and VotingClosed when it takes no votes.
    """
    if value not in Vote.Value.values:
        raise ValueError(_("A vote is +1 or -1."))
    with transaction.atomic():
        idea = _locked_idea(idea_id)
        if not idea.is_open_for_votes:
            raise VotingClosed(_("This idea no longer takes votes."))
        existing = (
            Vote.objects.filter(idea_id=idea.pk, member=member)
            .only("id", "value", "created_at", "discounted_at")
            .first()
        )
        if existing is not None and existing.value == value:
            return VoteTally(idea.pk, idea.upvote_count, idea.downvote_count, value)
        if existing is None:
            # No savepoint: every path that adds or moves vote rows (here, merge and unmerge) holds the
            # idea's row lock, and the lookup above runs after taking it, so it saw any vote committed
            # by a parallel request. The unique constraint still stands behind that rule.
            Vote.objects.create(idea_id=idea.pk, member=member, value=value)
            up_delta, down_delta = (1, 0) if value == Vote.Value.UP else (0, 1)
            recent = True
        else:
            Vote.objects.filter(pk=existing.pk).update(value=value)
            if existing.discounted_at is not None:
                # A discounted vote is not in the counters; changing its direction changes nothing there.
                return VoteTally(idea.pk, idea.upvote_count, idea.downvote_count, value)
            up_delta, down_delta = (1, -1) if value == Vote.Value.UP else (-1, 1)
            recent = existing.created_at >= timezone.now() - TRENDING_WINDOW
        trending = up_delta if recent else 0
        upvotes, downvotes = _apply(idea, up_delta=up_delta, down_delta=down_delta, trending_delta=trending)
        return VoteTally(idea.pk, upvotes, downvotes, value)


def vote_withdraw(*, member, idea_id: int) -> VoteTally:
    """Remove `member`'s vote on an idea, if any. Raises Idea.DoesNotExist for a missing idea."""
    with transaction.atomic():
        idea = _locked_idea(idea_id)
        deleted = (
            Vote.objects.filter(idea_id=idea.pk, member=member)
            .values_list("value", "created_at", "discounted_at")
            .first()
        )
        if deleted is None:
            return VoteTally(idea.pk, idea.upvote_count, idea.downvote_count, 0)
        value, cast_at, discounted_at = deleted
        Vote.objects.filter(idea_id=idea.pk, member=member).delete()
        if discounted_at is not None:  # never counted, so nothing to take off
            return VoteTally(idea.pk, idea.upvote_count, idea.downvote_count, 0)
        up_delta, down_delta = (-1, 0) if value == Vote.Value.UP else (0, -1)
        trending = up_delta if cast_at >= timezone.now() - TRENDING_WINDOW else 0
        upvotes, downvotes = _apply(idea, up_delta=up_delta, down_delta=down_delta, trending_delta=trending)
        return VoteTally(idea.pk, upvotes, downvotes, 0)
