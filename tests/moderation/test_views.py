"""The moderation pages: the queue and its filters, actions through forms, and bad input."""

import pytest

from ideas.models import Comment, Visibility
from ideas.services import comment_post
from moderation import services
from moderation.models import AuditEntry, Flag

from ..factories import MemberFactory, make_idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(alice, bob, newcomer):
    idea = make_idea(author=alice, title="Camera app")
    rude = comment_post(author=bob, idea=idea, body="This is garbage and so are you")
    services.flag_create(reporter=alice, kind="comment", object_id=rude.pk, reason="abuse", text="Insult")
    from ideas.services import idea_submit

    held = idea_submit(author=newcomer, title="Free money", body="Free money for everyone, click here")
    return idea, rude, held


def test_queue_lists_flags_and_held_spam_with_filters(mona_client, flagged):
    idea, rude, held = flagged
    page = mona_client.get("/moderation/").content.decode()
    assert "This is garbage" in page and "Insult" in page and "Free money for everyone" in page
    assert "known spam phrases" in page
    page = mona_client.get("/moderation/?reason=abuse").content.decode()
    assert "This is garbage" in page and "Free money for everyone" not in page
    page = mona_client.get("/moderation/?reason=spam").content.decode()
    assert "This is garbage" not in page and "Free money for everyone" in page
    page = mona_client.get("/moderation/?trust=0").content.decode()  # the newcomer's post only
    assert "This is garbage" not in page and "Free money for everyone" in page
    page = mona_client.get("/moderation/?older_than=1d").content.decode()
    assert "Nothing waiting" in page


def test_queue_costs_the_same_queries_however_long(mona_client, flagged, django_assert_max_num_queries):
    idea = flagged[0]
    for n in range(10):
        comment = comment_post(author=MemberFactory(), idea=idea, body=f"Comment {n}")
        services.flag_create(
            reporter=MemberFactory(), kind="comment", object_id=comment.pk, reason="off_topic"
        )
    with django_assert_max_num_queries(20):
        assert mona_client.get("/moderation/").status_code == 200


def test_hide_from_the_queue_then_restore_from_the_item_page(mona_client, flagged):
    idea, rude, held = flagged
    response = mona_client.post(
        f"/moderation/items/comment/{rude.pk}/hide/", {"reason": "Personal attack", "next": "/moderation/"}
    )
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    rude.refresh_from_db()
    assert rude.visibility == Visibility.HIDDEN
    page = mona_client.get(f"/moderation/items/comment/{rude.pk}/").content.decode()
    assert "Personal attack" in page and "Insult" in page
    response = mona_client.post(f"/moderation/items/comment/{rude.pk}/restore/", {"reason": "Reconsidered"})
    assert response.status_code == 302
    rude.refresh_from_db()
    assert rude.visibility == Visibility.PUBLIC


def test_bad_moderation_requests_change_nothing(mona_client, client, alice, flagged):
    idea, rude, held = flagged
    entries = AuditEntry.objects.count()
    # Already hidden: 409, nothing recorded twice.
    assert mona_client.post(f"/moderation/items/comment/{rude.pk}/hide/", {"reason": "x"}).status_code == 302
    response = mona_client.post(
        f"/moderation/items/comment/{rude.pk}/hide/", {"reason": "again"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409 and response.json()["error"] == "This is already hidden."
    # Forged kinds, ids and actions: 404.
    assert mona_client.post("/moderation/items/user/1/hide/", {"reason": "x"}).status_code == 404
    assert mona_client.post("/moderation/items/comment/999999/hide/", {"reason": "x"}).status_code == 404
    assert (
        mona_client.post(f"/moderation/items/comment/{rude.pk}/delete/", {"reason": "x"}).status_code == 404
    )
    assert mona_client.post(f"/moderation/items/comment/{rude.pk}/lock/", {"reason": "x"}).status_code == 404
    assert mona_client.post("/moderation/cases/999999/dismiss/", {"reason": "x"}).status_code == 404
    # No reason: 400.
    assert mona_client.post(f"/moderation/items/idea/{idea.pk}/lock/", {"reason": ""}).status_code == 400
    # Not a moderator: 403.
    client.force_login(alice)
    assert client.post(f"/moderation/items/idea/{held.pk}/restore/", {"reason": "x"}).status_code == 403
    held.refresh_from_db()
    idea.refresh_from_db()
    assert held.visibility == Visibility.HELD and idea.locked_at is None
    assert AuditEntry.objects.count() == entries + 1


def test_members_flag_through_the_page(client, alice, bob):
    idea = make_idea(author=alice)
    comment = comment_post(author=alice, idea=idea, body="Check my other idea")
    client.force_login(bob)
    page = client.get(idea.get_absolute_url()).content.decode()
    assert f"/moderation/flag/comment/{comment.pk}/" in page
    assert "Flag for the moderators" in client.get(f"/moderation/flag/comment/{comment.pk}/").content.decode()
    response = client.post(f"/moderation/flag/comment/{comment.pk}/", {"reason": "other"})
    assert response.status_code == 400 and "Tell the moderators" in response.content.decode()
    response = client.post(f"/moderation/flag/comment/{comment.pk}/", {"reason": "off_topic"})
    assert response.status_code == 302
    assert Flag.objects.get().reporter == bob
    # Hidden things cannot be flagged (or discovered) by members.
    hidden = comment_post(author=alice, idea=idea, body="Gone")
    Comment.objects.filter(pk=hidden.pk).update(visibility="hidden")
    assert client.get(f"/moderation/flag/comment/{hidden.pk}/").status_code == 404
    assert client.get("/moderation/flag/comment/999999/").status_code == 404


def test_member_standing_page_and_sanction_form(mona_client, bob):
    response = mona_client.post(
        f"/moderation/members/{bob.pk}/sanction/", {"type": "suspension", "days": "3", "reason": "Spam"}
    )
    assert response.status_code == 302
    page = mona_client.get(f"/moderation/members/{bob.pk}/").content.decode()
    assert "suspended until" in page and "Spam" in page
    response = mona_client.post(
        f"/moderation/members/{bob.pk}/sanction/", {"type": "suspension", "reason": "x"}
    )
    assert response.status_code == 400
    assert (
        mona_client.post(
            "/moderation/members/999999/sanction/", {"type": "warning", "reason": "x"}
        ).status_code
        == 404
    )
