"""Sign-up, verification, log-in, email change and allauth's protections, as a visitor meets them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from community.models import Member
from ideas.models import Idea

from ..factories import make_idea

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new@example.com",
    "display_name": "Nia New",
    "password1": "quiet-otter-umbrella-42",
    "password2": "quiet-otter-umbrella-42",
}


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


def test_sign_up_verify_then_post(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    member = Member.objects.get(email="new@example.com")
    assert (member.display_name, member.email_verified) == ("Nia New", False)

    # Logged in but unverified: reading works, posting is refused with a clear message.
    assert client.get("/ideas/").status_code == 200
    refused = client.post("/ideas/new/", {"title": "Too early", "body": "x"}, follow=True)
    assert b"confirm your email address" in refused.content
    assert not Idea.objects.exists()
    idea = make_idea()
    vote = client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json")
    assert vote.status_code == 403 and "confirm your email" in vote.json()["error"]

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]
    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200
    client.post(link)
    member.refresh_from_db()
    assert member.email_verified

    posted = client.post("/ideas/new/", {"title": "Now I may", "body": "Verified."})
    assert posted.status_code == 302 and Idea.objects.filter(title="Now I may").exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": "alice@example.com"}, b"already registered"),
        ({"password1": "password", "password2": "password"}, b"too common"),
        ({"password1": "12345678901", "password2": "12345678901"}, b"entirely numeric"),
        ({"password2": "something-else-entirely"}, b"same password"),
        ({"display_name": "   "}, b"display name"),
        ({"email": "not-an-email"}, b"valid email"),
    ],
)
def test_bad_sign_ups_are_refused_clearly(client, alice, changes, message):
    before = Member.objects.count()
    response = client.post("/accounts/signup/", {**SIGNUP, **changes})
    assert response.status_code == 200
    assert message in response.content.lower() or message in response.content
    assert Member.objects.count() == before


def test_log_in_by_email_and_wrong_password(client, alice):
    bad = client.post("/accounts/login/", {"login": "alice@example.com", "password": "nope"})
    assert bad.status_code == 200 and b"not correct" in bad.content
    good = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": "correct horse battery"}
    )
    assert good.status_code == 302
    assert client.get("/members/me/").status_code == 200


def test_changing_email_needs_reverification(alice_client, alice):
    alice_client.post("/accounts/email/", {"action_add": "", "email": "alice.new@example.com"})
    new = EmailAddress.objects.get(email="alice.new@example.com")
    assert not new.verified
    alice.refresh_from_db()
    assert alice.email == "alice@example.com" and alice.email_verified  # old address stays until verified
    link = confirmation_link(mail.outbox[-1])
    alice_client.post(link)
    alice.refresh_from_db()
    assert alice.email == "alice.new@example.com" and alice.email_verified


def test_password_reset_mail(client, alice):
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert mail.outbox and "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_rate_limits_stop_password_guessing(client, alice, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip,3/m/key", "signup": "2/m/ip"}
    pages = [
        client.post("/accounts/login/", {"login": "alice@example.com", "password": f"wrong{n}"}).content
        for n in range(4)
    ]
    assert all(b"Too many failed login attempts" not in page for page in pages[:3])
    assert b"Too many failed login attempts" in pages[3]
    # Even the right password is refused until the window passes.
    right = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": "correct horse battery"}
    )
    assert right.status_code == 200 and b"Too many failed login attempts" in right.content
    # Sign-ups from one address are limited too, with HTTP 429.
    codes = [
        client.post("/accounts/signup/", {**SIGNUP, "email": f"s{n}@example.com"}).status_code
        for n in range(3)
    ]
    client.logout()
    assert (
        429 in codes
        or client.post("/accounts/signup/", {**SIGNUP, "email": "s9@example.com"}).status_code == 429
    )


def test_social_providers_are_off_by_default(client):
    page = client.get("/accounts/login/")
    assert b"github" not in page.content.lower() and b"google" not in page.content.lower()
