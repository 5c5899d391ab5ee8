"""50 members voting on one idea at once, plus vote/un-vote churn, on PostgreSQL's real row locks."""

import random

import pytest

from ideas.models import Idea
from voting.models import Vote
from voting.services import vote_cast, vote_withdraw

from ..concurrency import _needs_postgres, run_at_once  # noqa: F401 - autouse fixture
from ..factories import MemberFactory, make_idea

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_simultaneous_votes_and_churn_keep_counts_equal_to_rows():
    idea = make_idea()
    members = MemberFactory.create_batch(50)

    run_at_once([lambda m=m: vote_cast(member=m, idea_id=idea.pk) for m in members])
    idea.refresh_from_db()
    assert idea.upvote_count == Vote.objects.filter(idea=idea).count() == 50

    def churn(member, seed):
        rng = random.Random(seed)
        for _ in range(8):
            action = rng.choice(["up", "down", "withdraw", "up"])
            if action == "withdraw":
                vote_withdraw(member=member, idea_id=idea.pk)
            else:
                vote_cast(member=member, idea_id=idea.pk, value=1 if action == "up" else -1)

    # Every member at once, and twenty of them in two threads: a member racing against themself too.
    # (70 connections: PostgreSQL's default limit is 100.)
    run_at_once([lambda m=m, s=s: churn(m, s) for s, m in enumerate(members + members[:20])])
    idea = Idea.objects.get(pk=idea.pk)
    assert idea.upvote_count == Vote.objects.filter(idea=idea, value=1).count()
    assert idea.downvote_count == Vote.objects.filter(idea=idea, value=-1).count()
    assert (
        Vote.objects.filter(idea=idea).values("member").distinct().count()
        == Vote.objects.filter(idea=idea).count()
    )
