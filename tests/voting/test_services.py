import pytest

from ideas.models import Idea
from voting.models import Vote
from voting.services import VotingClosed, vote_cast, vote_withdraw

from ..factories import make_idea

pytestmark = pytest.mark.django_db


def counters(idea):
    idea.refresh_from_db()
    return idea.upvote_count, idea.downvote_count


def rows(idea):
    return (Vote.objects.filter(idea=idea, value=1).count(), Vote.objects.filter(idea=idea, value=-1).count())


def test_cast_repeat_switch_and_withdraw_keep_counters_equal_to_rows(alice, bob):
    idea = make_idea()
    assert vote_cast(member=alice, idea_id=idea.pk).votes == 1
    assert vote_cast(member=alice, idea_id=idea.pk).votes == 1  # repeated: no double count
    assert vote_cast(member=bob, idea_id=idea.pk, value=-1).votes == 0
    assert counters(idea) == rows(idea) == (1, 1)
    assert vote_cast(member=bob, idea_id=idea.pk, value=1).votes == 2
    assert counters(idea) == rows(idea) == (2, 0)
    assert vote_withdraw(member=alice, idea_id=idea.pk).votes == 1
    assert vote_withdraw(member=alice, idea_id=idea.pk).votes == 1  # nothing left to withdraw
    assert counters(idea) == rows(idea) == (1, 0)


def test_votes_update_the_stored_scores(alice):
    idea = make_idea()
    before = Idea.objects.values_list("hot_score", "top_score").get(pk=idea.pk)
    vote_cast(member=alice, idea_id=idea.pk)
    after = Idea.objects.values_list("hot_score", "top_score").get(pk=idea.pk)
    assert after[0] == before[0]  # log10(1) = 0: one vote does not move hot
    assert after[1] > before[1]


def test_missing_and_closed_ideas(alice):
    with pytest.raises(Idea.DoesNotExist):
        vote_cast(member=alice, idea_id=424242)
    idea = make_idea()
    Idea.objects.filter(pk=idea.pk).update(status="merged")
    with pytest.raises(VotingClosed):
        vote_cast(member=alice, idea_id=idea.pk)
    assert not Vote.objects.exists()


def test_a_vote_is_up_or_down(alice):
    with pytest.raises(ValueError):
        vote_cast(member=alice, idea_id=make_idea().pk, value=5)
