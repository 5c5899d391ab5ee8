"""Warnings, suspensions, bans and appeals."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ideas.models import Comment, Visibility
from ideas.services import comment_post
from moderation import services
from moderation.models import Appeal, Sanction
from voting.models import Vote

from ..factories import make_idea

pytestmark = pytest.mark.django_db


def test_suspended_members_cannot_post_or_vote_and_are_told_until_when(client, mona, alice, bob):
    idea = make_idea(author=alice)
    sanction = services.member_sanction(
        moderator=mona, member_id=bob.pk, type=Sanction.Type.SUSPENSION, days=7, reason="Spamming"
    )
    until = timezone.localtime(sanction.ends_at)
    client.force_login(bob)

    response = client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert "suspended until" in response.json()["error"]
    assert response.json()["suspended_until"] == sanction.ends_at.isoformat()

    response = client.post(f"/ideas/{idea.pk}/comments/", {"body": "Let me in"})
    assert response.status_code == 403
    assert f"{until:%Y}" in response.content.decode() and "suspended until" in response.content.decode()
    response = client.get("/ideas/new/")
    assert response.status_code == 403
    assert not Vote.objects.filter(member=bob).exists() and not Comment.objects.filter(author=bob).exists()
    assert client.get(idea.get_absolute_url()).status_code == 200  # still reads

    with pytest.raises(PermissionDenied, match="suspended"):  # the services refuse too
        comment_post(author=bob, idea=idea, body="Through the back door")


def test_a_suspension_ends_by_itself_and_can_be_lifted_early(mona, bob):
    sanction = services.member_sanction(
        moderator=mona, member_id=bob.pk, type=Sanction.Type.SUSPENSION, days=3, reason="Heated"
    )
    bob.refresh_from_db()
    assert bob.is_restricted and not bob.may_contribute
    bob.suspended_until = timezone.now() - timedelta(seconds=1)  # as if three days had passed
    assert bob.may_contribute
    services.sanction_lift(moderator=mona, sanction=sanction, reason="Apologised")
    bob.refresh_from_db()
    assert bob.suspended_until is None and bob.may_contribute


def test_ban_and_lift(client, mona, alice, bob):
    idea = make_idea(author=alice)
    ban = services.member_sanction(
        moderator=mona, member_id=bob.pk, type=Sanction.Type.BAN, reason="Vote fraud"
    )
    client.force_login(bob)
    response = client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and "banned" in response.json()["error"]
    with pytest.raises(services.AlreadyDone):
        services.member_sanction(moderator=mona, member_id=bob.pk, type=Sanction.Type.BAN, reason="Again")
    services.sanction_lift(moderator=mona, sanction=ban, reason="Mistaken identity")
    assert (
        client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json").status_code
        == 200
    )


def test_bad_sanctions_are_refused(mona, rita, alice, bob):
    with pytest.raises(ValidationError):
        services.member_sanction(moderator=mona, member_id=bob.pk, type="suspension", days=0, reason="x")
    with pytest.raises(ValidationError):
        services.member_sanction(moderator=mona, member_id=bob.pk, type="exile", reason="x")
    with pytest.raises(ValidationError):
        services.member_sanction(moderator=mona, member_id=bob.pk, type="warning", reason="  ")
    with pytest.raises(PermissionDenied):
        services.member_sanction(moderator=alice, member_id=bob.pk, type="warning", reason="x")
    with pytest.raises(PermissionDenied):  # staff are managed by administrators
        services.member_sanction(moderator=mona, member_id=rita.pk, type="ban", reason="x")
    bob.refresh_from_db()
    assert not bob.is_restricted and not Sanction.objects.exists()


def test_the_member_can_appeal_once_and_a_granted_appeal_undoes_the_decision(client, mona, alice, bob):
    idea = make_idea(author=alice)
    comment = comment_post(author=bob, idea=idea, body="Strong words")
    entry = services.content_hide(moderator=mona, kind="comment", object_id=comment.pk, reason="Tone")
    client.force_login(bob)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Tone" in page and "Appeal (once)" in page
    assert client.post(entry.get_absolute_url(), {"text": "It was a quote"}).status_code == 302
    response = client.post(entry.get_absolute_url(), {"text": "Again"})
    assert response.status_code == 400 and "already appealed" in response.content.decode()
    assert Appeal.objects.count() == 1

    client.force_login(alice)  # nobody else can read or appeal it
    assert client.get(entry.get_absolute_url()).status_code == 404

    appeal = Appeal.objects.get()
    services.appeal_decide(moderator=mona, appeal=appeal, grant=True, note="Fair point")
    comment.refresh_from_db()
    appeal.refresh_from_db()
    assert comment.visibility == Visibility.PUBLIC and appeal.state == "granted"
    with pytest.raises(services.AlreadyDone):
        services.appeal_decide(moderator=mona, appeal=appeal, grant=False, note="Changed my mind")


def test_a_denied_appeal_changes_nothing(mona, bob):
    sanction = services.member_sanction(
        moderator=mona, member_id=bob.pk, type=Sanction.Type.SUSPENSION, days=2, reason="Insults"
    )
    appeal = services.appeal_submit(member=bob, entry=sanction.entry, text="Sorry")
    services.appeal_decide(moderator=mona, appeal=appeal, grant=False, note="Two days is fair")
    bob.refresh_from_db()
    assert bob.is_restricted
    with pytest.raises(PermissionDenied):
        services.appeal_submit(member=mona, entry=sanction.entry, text="On their behalf")


def test_moderators_set_and_unlock_trust(mona, newcomer):
    services.member_set_trust(moderator=mona, member_id=newcomer.pk, level=3, reason="Known customer")
    newcomer.refresh_from_db()
    assert (newcomer.trust_level, newcomer.trust_locked) == (3, True)
    services.member_set_trust(moderator=mona, member_id=newcomer.pk, level=None, reason="Let activity decide")
    newcomer.refresh_from_db()
    assert (newcomer.trust_level, newcomer.trust_locked) == (0, False)
