"""Pinning comments: official responses by those who post them, any comment by moderators, staff pages
behind two-factor authentication, and the pin and its audit entry written together."""

import pytest
from django.core.exceptions import PermissionDenied

from community.conduct import conduct
from community.roles import Role
from ideas import services
from ideas.models import Comment
from moderation.models import AuditEntry

from ..factories import MemberFactory, make_idea, with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def idea(alice):
    return make_idea(author=alice)


@pytest.fixture
def plain(idea, bob):
    return services.comment_post(author=bob, idea=idea, body="A plain comment")


@pytest.fixture
def official(idea, carl):
    return services.comment_post(author=carl, idea=idea, body="We hear you", official=True)


def pinned(comment) -> bool:
    return Comment.objects.get(pk=comment.pk).pinned_at is not None


def test_rnd_pins_official_responses_but_not_members_comments(rita, plain, official):
    services.comment_pin(comment=official, pinned_by=rita, pinned=True)
    assert pinned(official)
    with pytest.raises(PermissionDenied):
        services.comment_pin(comment=plain, pinned_by=rita, pinned=True)
    assert not pinned(plain)


def test_moderators_pin_any_comment(mona, plain):
    services.comment_pin(comment=plain, pinned_by=mona, pinned=True)
    assert pinned(plain)
    services.comment_pin(comment=plain, pinned_by=mona, pinned=False)
    assert not pinned(plain)


def test_the_pin_page_refuses_what_may_not_be_pinned(client, carl, plain, official):
    client.force_login(carl)
    assert client.post(f"/ideas/{plain.idea_id}/comments/{plain.pk}/pin/", {"pin": "1"}).status_code == 403
    assert not pinned(plain)
    response = client.post(f"/ideas/{official.idea_id}/comments/{official.pk}/pin/", {"pin": "1"})
    assert response.status_code == 302 and pinned(official)


def test_the_pin_page_asks_staff_for_two_factor_auth_first(client, official):
    staff_without_totp = with_role(MemberFactory(), Role.CUSTOMER_MANAGER)
    client.force_login(staff_without_totp)
    response = client.post(f"/ideas/{official.idea_id}/comments/{official.pk}/pin/", {"pin": "1"})
    assert response.status_code == 302 and "/2fa/" in response["Location"]
    assert not pinned(official)


def test_pin_buttons_show_only_where_the_viewer_may_pin(client, rita, mona, plain, official):
    pin_of = "/comments/{}/pin/".format
    client.force_login(rita)
    page = client.get(plain.idea.get_absolute_url()).content.decode()
    assert pin_of(official.pk) in page and pin_of(plain.pk) not in page
    client.force_login(mona)
    page = client.get(plain.idea.get_absolute_url()).content.decode()
    assert pin_of(official.pk) in page and pin_of(plain.pk) in page


def test_a_failed_audit_entry_leaves_the_comment_unpinned(monkeypatch, mona, plain):
    def broken_audit(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(conduct(), "audit_record", broken_audit)  # the audit log, as ideas reach it
    with pytest.raises(RuntimeError):
        services.comment_pin(comment=plain, pinned_by=mona, pinned=True)
    assert not pinned(plain)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PIN).exists()
