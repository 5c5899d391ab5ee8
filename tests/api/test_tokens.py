import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=[0, 600], ids=["no-cache", "cached"])
def token_cache(request, settings):
    """Token rows and members read from the database on every request (0), or from the shared cache
    while current (600, as in production with Redis: api.tokens)."""
    settings.MEMBER_CACHE_SECONDS = request.param
    return request.param


def later(monkeypatch, **delta):
    """Move the clock forward (the token code reads django.utils.timezone.now)."""
    now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: now() + timedelta(**delta))


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


def test_a_token_expires_on_time_even_when_cached(client, alice, token_cache, monkeypatch):
    raw = make_token(alice, days=1)
    api = ApiClient(client, raw)
    assert api.get("/me").status_code == 200  # the row is cached now (with the cache on)
    later(monkeypatch, days=1, seconds=1)
    assert api.get("/me").status_code == 401


def test_revoke(client, alice, bob, token_cache):
    raw = make_token(alice)
    api = ApiClient(Client(), raw)
    assert api.get("/me").status_code == 200  # the row is cached now (with the cache on)
    token = AccessToken.objects.get()
    client.force_login(bob)
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 404  # not bob's
    assert api.get("/me").status_code == 200
    client.force_login(alice)
    assert client.post(f"{URL}{token.pk}/revoke/").status_code == 302
    assert api.get("/me").status_code == 401


def test_a_deleted_token_is_refused_at_once(client, alice, token_cache):
    raw = make_token(alice)
    api = ApiClient(client, raw)
    assert api.get("/me").status_code == 200
    AccessToken.objects.get().delete()
    assert api.get("/me").status_code == 401


def test_a_cached_token_costs_no_query_for_itself_or_its_member(client, alice, settings):
    settings.MEMBER_CACHE_SECONDS = 600
    api = ApiClient(client, make_token(alice))

    def reads(table) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/me").status_code == 200
        # Read now: the next request empties the connection's query log.
        return sum(q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"] for q in queries)

    assert reads("api_accesstoken") == 1
    # The first use was recorded, which retired the copy: the second request reads the new row once.
    assert reads("api_accesstoken") == 1
    assert reads("api_accesstoken") == 0
    assert reads("community_member") == 0


def test_unknown_and_malformed_tokens_are_401_not_anonymous(client):
    assert ApiClient(client, "cc_nope").get("/ideas").status_code == 401
    assert client.get("/api/v1/ideas", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/ideas").status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(client, alice, token_cache, monkeypatch):
    raw = make_token(alice)
    api = ApiClient(client, raw)
    api.get("/me")
    first = AccessToken.objects.get().last_used_at
    assert first is not None
    api.get("/me")
    assert AccessToken.objects.get().last_used_at == first
    later(monkeypatch, minutes=2)
    api.get("/me")
    second = AccessToken.objects.get().last_used_at
    assert second > first + timedelta(minutes=1)
    api.get("/me")
    assert AccessToken.objects.get().last_used_at == second


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


def test_revoked_role_revokes_the_power_at_once(client, alice, rita, token_cache):
    idea = make_idea(author=alice)
    api = ApiClient(client, make_token(rita, ["read", "write", "staff"]))
    payload = {"status": "under_review", "note": "Looking"}
    assert api.post(f"/ideas/{idea.pk}/status", json=payload).status_code == 200
    role_revoke(member=rita, role=Role.RND, revoked_by=None)
    refused = api.post(f"/ideas/{idea.pk}/status", json={"status": "planned", "note": "Soon"})
    assert refused.status_code == 403
    assert Idea.objects.get(pk=idea.pk).status == "under_review"


def test_suspended_or_inactive_members_tokens_fail(client, alice, token_cache):
    raw = make_token(alice)
    assert ApiClient(client, raw).get("/me").status_code == 200
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


REVOKE_IN_ANOTHER_PROCESS = """
import django
django.setup()
from api.models import AccessToken
from api.tokens import token_revoke
token = AccessToken.objects.get(pk={pk})
token_revoke(token=token, revoked_by=token.member)
print("revoked")
"""


@pytest.mark.django_db(transaction=True)
def test_a_revoke_in_another_process_is_seen_on_the_next_request(settings, tmp_path, alice):
    """The copy of the token this process cached lives in the cache every process shares (Redis in
    production; a file cache on the SQLite pass, which is shared by processes as well); a revoke in
    another process (another web worker) retires it before that process answers."""
    settings.MEMBER_CACHE_SECONDS = 600
    if not settings.REDIS_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    raw = make_token(alice)
    api = ApiClient(Client(), raw)
    assert api.get("/me").status_code == 200
    assert api.get("/me").status_code == 200  # served from the cached copy
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.api.other_process_settings",
        "COCREATE_TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "COCREATE_TEST_CACHES": json.dumps(settings.CACHES),
    }
    revoke = REVOKE_IN_ANOTHER_PROCESS.format(pk=AccessToken.objects.get().pk)
    done = subprocess.run(
        [sys.executable, "-c", revoke], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and done.stdout.strip() == "revoked", done.stderr[-2000:]
    assert api.get("/me").status_code == 401
