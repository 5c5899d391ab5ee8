"""The public writes moderation and backlog call instead of writing ideas, comments and votes themselves."""

import pytest

from ideas import services
from ideas.models import Comment, Idea, Visibility
from ideas.ranking import top_score
from voting.models import Vote
from voting.services import vote_cast, votes_set_discounted

from ..factories import MemberFactory, ProductFactory, make_idea

pytestmark = pytest.mark.django_db


def comment_count(idea) -> int:
    return Idea.objects.values_list("comment_count", flat=True).get(pk=idea.pk)


def test_comment_visibility_moves_the_ideas_public_comment_count(alice):
    idea = make_idea()
    comment = services.comment_post(author=alice, idea=idea, body="Yes, offline too.")
    assert comment_count(idea) == 1
    services.comment_set_visibility(comment=comment, visibility=Visibility.HELD)
    assert comment_count(idea) == 0
    services.comment_set_visibility(comment=comment, visibility=Visibility.HIDDEN)  # still not public
    assert comment_count(idea) == 0
    services.comment_set_visibility(comment=comment, visibility=Visibility.PUBLIC)
    assert comment_count(idea) == 1
    assert Comment.objects.get(pk=comment.pk).visibility == Visibility.PUBLIC


def test_idea_visibility_lock_and_move(alice):
    idea = make_idea()
    services.idea_set_visibility(idea=idea, visibility=Visibility.HIDDEN)
    assert Idea.objects.get(pk=idea.pk).visibility == Visibility.HIDDEN
    with pytest.raises(ValueError):
        services.idea_set_visibility(idea=idea, visibility="gone")

    services.idea_set_locked(idea=idea, locked=True)
    assert Idea.objects.get(pk=idea.pk).locked_at is not None
    services.idea_set_locked(idea=idea, locked=False)
    assert Idea.objects.get(pk=idea.pk).locked_at is None

    product = ProductFactory()
    services.idea_move(idea=idea, product=product)
    placed = Idea.objects.values_list("product", "segment", "campaign").get(pk=idea.pk)
    assert placed == (product.pk, None, None)


def test_recount_puts_drifted_counters_back_to_the_rows(alice, bob):
    idea = make_idea()
    vote_cast(member=alice, idea_id=idea.pk)
    vote_cast(member=bob, idea_id=idea.pk, value=-1)
    services.comment_post(author=alice, idea=idea, body="Agreed.")
    Idea.objects.filter(pk=idea.pk).update(upvote_count=40, downvote_count=7, comment_count=9)
    services.idea_recount(idea_ids=[idea.pk])
    idea.refresh_from_db()
    assert (idea.upvote_count, idea.downvote_count, idea.comment_count) == (1, 1, 1)
    assert idea.top_score == pytest.approx(top_score(upvotes=1, downvotes=1))


def test_discounted_votes_leave_the_counters_and_come_back_exactly():
    ideas = [make_idea(), make_idea()]
    members = MemberFactory.create_batch(3)
    for member in members:
        for idea in ideas:
            vote_cast(member=member, idea_id=idea.pk)
    suspicious = list(Vote.objects.filter(member__in=members[:2]).values_list("pk", flat=True))

    def up_counts():
        return [Idea.objects.values_list("upvote_count", flat=True).get(pk=idea.pk) for idea in ideas]

    assert votes_set_discounted(vote_ids=suspicious, discounted=True) == 4
    assert up_counts() == [1, 1]
    assert votes_set_discounted(vote_ids=suspicious, discounted=True) == 0  # already discounted
    assert Vote.objects.count() == 6  # nothing deleted: voters still see their votes
    assert votes_set_discounted(vote_ids=suspicious, discounted=False) == 4
    assert up_counts() == [3, 3]


def test_ideas_set_product_can_leave_placed_ideas_alone():
    """Backlog triage's write: all ideas, or (linking to a backlog item) only those without a product."""
    maps, camera = ProductFactory(), ProductFactory()
    placed, loose = make_idea(product=camera), make_idea()
    services.ideas_set_product(idea_ids=[placed.pk, loose.pk], product=maps, only_without_product=True)
    assert Idea.objects.get(pk=placed.pk).product == camera
    assert Idea.objects.get(pk=loose.pk).product == maps
    services.ideas_set_product(idea_ids=[placed.pk, loose.pk], product=maps)
    assert set(Idea.objects.filter(product=maps).values_list("pk", flat=True)) == {placed.pk, loose.pk}
