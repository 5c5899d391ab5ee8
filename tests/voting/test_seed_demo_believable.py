"""The demo community reads as written by people: varied ideas across the products, discussions whose
replies answer the comment above them, the team's official responses, and the same data from the same
seed."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction

from community import demo
from community.models import Member
from ideas.models import Comment, Idea, StatusChange

pytestmark = pytest.mark.django_db

SIZE = dict(members=60, ideas=120, votes=1500, comments=150, no_progress=True)


def snapshot():
    ideas = list(Idea.objects.order_by("pk").values_list("title", "status", "product__name"))
    comments = list(Comment.objects.order_by("pk").values_list("body", "parent__body", "is_official"))
    return ideas, comments


def test_demo_ideas_are_varied_and_spread_over_the_products():
    call_command("seed_demo", **SIZE)
    titles = list(Idea.objects.values_list("title", flat=True))
    assert len(set(titles)) == len(titles) == 120
    endings = Counter(" ".join(title.split()[-3:]) for title in titles)
    assert endings.most_common(1)[0][1] <= 12  # no "… from the lock screen" on every idea
    assert "from the lock screen" not in " ".join(titles)
    products = Counter(Idea.objects.exclude(product=None).values_list("product__name", flat=True))
    assert set(products) == {name for name, _team in demo.PRODUCTS} and min(products.values()) >= 10


def test_replies_answer_the_comment_above_them_and_come_after_it():
    call_command("seed_demo", **SIZE)
    answers = {first: set(replies) for first, replies in demo.THREADS}
    replies = Comment.objects.exclude(parent=None).select_related("parent", "idea")
    assert replies.count() == 50
    for reply in replies:
        assert reply.body in answers[reply.parent.body]
        assert reply.author_id != reply.parent.author_id
        assert reply.idea.created_at < reply.parent.created_at < reply.created_at


def test_ideas_past_new_carry_the_teams_official_response_and_their_status_change():
    call_command("seed_demo", **SIZE)
    rd = Member.objects.get(email="rd@example.com")
    moved = Idea.objects.exclude(status__in=["new", "merged"])
    assert moved.count() > 20
    for idea in moved:
        official = Comment.objects.get(idea=idea, is_official=True)
        assert official.author == rd and official.body == demo.OFFICIAL_RESPONSES[idea.status]
        change = StatusChange.objects.get(idea=idea)
        assert change.to_status == idea.status and idea.created_at < change.created_at
    assert not Comment.objects.filter(idea__status="new", is_official=True).exists()


class Undo(Exception):
    pass


def seeded_with(seed):
    """What `seed_demo --seed` makes, rolled back afterwards."""
    try:
        with transaction.atomic():
            call_command("seed_demo", **SIZE, seed=seed)
            made = snapshot()
            raise Undo
    except Undo:
        return made


def test_the_same_seed_gives_the_same_community():
    first = seeded_with(7)
    assert seeded_with(7) == first
    assert seeded_with(8) != first
