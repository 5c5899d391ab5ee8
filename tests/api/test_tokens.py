import time
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import AccessToken
from api.tokens import token_hash
from community.roles import Role
from community.services import role_revoke
from ideas.models import Idea
from tests.factories import make_idea

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db

URL = "/members/me/tokens/"


def passed_mfa(client, member):
    session = client.session
    session["account_authentication_methods_user"] = str(member.pk)
    session["account_authentication_methods"] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session.save()


def create(client, **data):
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    return client.post(URL, {"name": "Script", "scopes": ["read"], "expires_on": expires, **data})


def test_token_is_shown_once_and_stored_as_a_hash(client, alice):
    client.force_login(alice)
    response = create(client, scopes=["read", "write"])
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("cc_") and secret.encode() in response.content
    assert response["Cache-Control"] == "no-store"
    token = AccessToken.objects.get(member=alice)
    assert token.token_hash == token_hash(secret) and secret not in token.token_hash
    assert token.scopes == ["read", "write"]
    listing = client.get(URL)
    assert secret.encode() not in listing.content and token.prefix.encode() in listing.content
    assert ApiClient(client.__class__(), secret).get("/me").json()["username"] == "alice"


def test_login_required(client):
    assert client.get(URL).status_code == 302


def test_expiry_must_be_in_the_future_and_bounded(client, alice, settings):
    client.force_login(alice)
    assert create(client, expires_on=timezone.localdate().replace(year=2000).isoformat()).status_code == 400
    far = (timezone.localdate() + timedelta(days=settings.API_TOKEN_MAX_DAYS + 2)).isoformat()
    assert create(client, expires_on=far).status_code == 400
    assert not AccessToken.objects.exists()


def test_expired_token_is_refused(client, alice):
    raw = make_token(alice)
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = ApiClient(client, raw).get("/me")
    assert response.status_code == 401 and response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoke(client, alice, bob):
    raw = make_token(alice)
    token = AccessToken.objects.get()
    client.force_login(bob)
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 404  # not bob's
    client.force_login(alice)
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 302
    client.logout()
    assert ApiClient(client, raw).get("/me").status_code == 401


def test_unknown_and_malformed_tokens_are_401_not_anonymous(client):
    assert ApiClient(client, "cc_nope").get("/ideas").status_code == 401
    assert client.get("/api/v1/ideas", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/ideas").status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(client, alice):
    raw = make_token(alice)
    api = ApiClient(client, raw)
    api.get("/me")
    first = AccessToken.objects.get().last_used_at
    assert first is not None
    api.get("/me")
    assert AccessToken.objects.get().last_used_at == first
    AccessToken.objects.update(last_used_at=first - timedelta(minutes=2))
    api.get("/me")
    assert AccessToken.objects.get().last_used_at > first - timedelta(minutes=2)


def test_read_scope_cannot_write(client, alice):
    idea = make_idea(author=alice)
    response = ApiClient(client, make_token(alice, ["read"])).put(f"/ideas/{idea.pk}/follow")
    assert response.status_code == 403 and "write" in response.json()["detail"]


def test_staff_scope_needs_staff_and_mfa(client, alice, rita):
    client.force_login(alice)
    assert create(client, scopes=["staff"]).status_code == 400  # not offered to customers
    client.force_login(rita)
    refused = create(client, scopes=["read", "staff"])
    assert refused.status_code == 400 and b"two-factor" in refused.content
    assert not AccessToken.objects.exists()
    passed_mfa(client, rita)
    made = create(client, scopes=["read", "write", "staff"])
    assert made.status_code == 200 and AccessToken.objects.get().scopes == ["read", "staff", "write"]


def test_revoked_role_revokes_the_power_at_once(client, alice, rita):
    idea = make_idea(author=alice)
    api = ApiClient(client, make_token(rita, ["read", "write", "staff"]))
    payload = {"status": "under_review", "note": "Looking"}
    assert api.post(f"/ideas/{idea.pk}/status", json=payload).status_code == 200
    role_revoke(member=rita, role=Role.RND, revoked_by=None)
    refused = api.post(f"/ideas/{idea.pk}/status", json={"status": "planned", "note": "Soon"})
    assert refused.status_code == 403
    assert Idea.objects.get(pk=idea.pk).status == "under_review"


def test_suspended_or_inactive_members_tokens_fail(client, alice):
    raw = make_token(alice)
    alice.suspended_until = timezone.now() + timedelta(days=1)
    alice.save(update_fields=["suspended_until"])
    assert ApiClient(client, raw).get("/me").status_code == 401
    alice.suspended_until = None
    alice.is_active = False
    alice.save(update_fields=["suspended_until", "is_active"])
    assert ApiClient(client, raw).get("/me").status_code == 401


def test_session_auth_needs_csrf_for_writes(alice):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    idea = make_idea(author=alice)
    assert browser.get("/api/v1/me").status_code == 200
    assert browser.put(f"/api/v1/ideas/{idea.pk}/follow").status_code == 403
    browser.get(URL)  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    assert browser.put(f"/api/v1/ideas/{idea.pk}/follow", headers={"X-CSRFToken": token}).status_code == 200
