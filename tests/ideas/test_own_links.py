"""The Edit, History and Flag links on an idea page show exactly when the server would accept them:
the shared members' page (ideas/fragments.py) picks each viewer's links with the same predicates as the
views (community.permissions.may_edit_idea, may_see_history, may_edit_comment), per persona."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from community import services as member_services
from ideas.services import comment_post

from ..factories import make_idea

pytestmark = pytest.mark.django_db


def suspended(member):
    return member_services.member_set_standing(
        member=member, suspended_until=timezone.now() + timedelta(days=3), banned_at=None
    )


def banned(member):
    return member_services.member_set_standing(member=member, suspended_until=None, banned_at=timezone.now())


def able(member):
    return member


@pytest.fixture
def discussion(alice, bob):
    idea = make_idea(author=alice, title="Offline maps")
    return (
        idea,
        comment_post(author=alice, idea=idea, body="Mine"),
        comment_post(author=bob, idea=idea, body="Bob's"),
    )


def links(client, idea, own_comment, other_comment) -> dict[str, bool]:
    page = client.get(idea.get_absolute_url()).content.decode()
    return {
        "edit idea": f'href="/ideas/{idea.pk}/edit/"' in page,
        "history": f'href="/ideas/{idea.pk}/history/"' in page,
        "flag idea": f'href="/moderation/flag/idea/{idea.pk}/"' in page,
        "edit own comment": f'href="/ideas/{idea.pk}/comments/{own_comment.pk}/edit/"' in page,
        "flag own comment": f'href="/moderation/flag/comment/{own_comment.pk}/"' in page,
        "edit other comment": f'href="/ideas/{idea.pk}/comments/{other_comment.pk}/edit/"' in page,
        "flag other comment": f'href="/moderation/flag/comment/{other_comment.pk}/"' in page,
    }


@pytest.mark.parametrize(
    "standing, edits",
    [(able, True), (suspended, False), (banned, False)],
)
def test_the_author_sees_edit_links_only_while_the_server_accepts_their_edits(
    settings, discussion, alice, standing, edits
):
    settings.MEMBER_IDEA_CACHE_SECONDS = 60  # the shared page, as members get it
    idea, mine, theirs = discussion
    Client().get(idea.get_absolute_url())  # a copy already cached by someone else's visit
    client = Client()
    client.force_login(standing(alice))

    assert links(client, idea, mine, theirs) == {
        "edit idea": edits,
        "history": True,  # may_see_history: the author, suspended or not
        "flag idea": False,
        "edit own comment": edits,
        "flag own comment": False,
        "edit other comment": False,
        "flag other comment": True,
    }
    # The links agree with the server's answers.
    assert client.get(f"/ideas/{idea.pk}/edit/").status_code == (200 if edits else 403)
    assert client.get(f"/ideas/{idea.pk}/comments/{mine.pk}/edit/").status_code == (200 if edits else 403)
    assert client.get(f"/ideas/{idea.pk}/history/").status_code == 200


def test_another_member_and_a_visitor_get_no_edit_links(settings, discussion, alice, bob):
    settings.MEMBER_IDEA_CACHE_SECONDS = 60
    idea, mine, theirs = discussion
    client = Client()
    client.force_login(bob)
    # Bob reads Alice's idea: his own comment is "own" for him here.
    assert links(client, idea, theirs, mine) == {
        "edit idea": False,
        "history": False,
        "flag idea": True,
        "edit own comment": True,
        "flag own comment": False,
        "edit other comment": False,
        "flag other comment": True,
    }
    assert client.get(f"/ideas/{idea.pk}/comments/{mine.pk}/edit/").status_code == 403
    assert not any(links(Client(), idea, mine, theirs).values())


def test_a_moderator_reads_a_page_of_their_own_with_history_but_no_member_edit_links(discussion, mona):
    idea, mine, theirs = discussion
    client = Client()
    client.force_login(mona)
    found = links(client, idea, mine, theirs)
    assert found["history"] and found["flag idea"]
    assert not (found["edit idea"] or found["edit own comment"] or found["edit other comment"])
