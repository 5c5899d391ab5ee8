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


def scores(idea):
    return Idea.objects.values_list("hot_score", "top_score", "trending_score").get(pk=idea.pk)


def test_votes_refresh_the_stored_scores_after_the_commit(django_capture_on_commit_callbacks, alice, bob):
    """Counters change with the vote; the scores follow once it commits (the tests' queue runs at once;
    production's at the end of the 10-second window: tests/voting/test_windows.py)."""
    idea = make_idea()
    before = scores(idea)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        vote_cast(member=alice, idea_id=idea.pk)
    assert counters(idea) == (1, 0) and scores(idea) == before  # not before the commit
    for callback in callbacks:
        callback()
    hot, top, trending = scores(idea)
    assert hot == before[0]  # log10(1) = 0: one vote does not move hot
    assert top > before[1] and trending == 1
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(member=bob, idea_id=idea.pk)
    assert scores(idea)[0] > hot  # two net votes do
    with django_capture_on_commit_callbacks(execute=True):
        vote_withdraw(member=alice, idea_id=idea.pk)
        vote_withdraw(member=bob, idea_id=idea.pk)
    assert scores(idea) == before


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


@pytest.mark.parametrize("campaign", [None, "open", "closed"])
def test_the_vote_rule_is_the_models_rule(request, alice, campaign):
    """Voting (on PostgreSQL a database function) takes votes exactly where Idea.is_open_for_votes says."""
    from ideas.models import Visibility

    page = request.getfixturevalue("campaigns")[campaign] if campaign else None
    for status in Idea.Status.values:
        for visibility in Visibility.values:
            idea = make_idea()
            Idea.objects.filter(pk=idea.pk).update(status=status, visibility=visibility, campaign=page)
            open_for_votes = Idea.objects.get(pk=idea.pk).is_open_for_votes
            if open_for_votes:
                assert vote_cast(member=alice, idea_id=idea.pk).votes == 1
            else:
                with pytest.raises(VotingClosed):
                    vote_cast(member=alice, idea_id=idea.pk)
            assert Vote.objects.filter(idea=idea).count() == int(open_for_votes), (status, visibility)
            assert vote_withdraw(member=alice, idea_id=idea.pk).votes == 0  # taking a vote back always works
