"""Logged-in members are loaded from the cache, and every change to them is seen at once."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community.auth import cached_member, member_changed
from community.models import Member
from moderation import services as moderation
from moderation.models import Sanction
from moderation.trust import TRUSTED, trust_refresh
from notifications.services import notifications_mark_read, notify_members, unread_cache_key, unread_count

from ..factories import make_idea

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def member_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "community_member"' in q["sql"]]


def logged_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_a_logged_in_member_is_read_from_the_database_once(member_cache, alice):
    client = logged_in(alice)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/notifications/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        page = client.get("/notifications/")
    assert len(member_queries(first)) == 1
    assert member_queries(second) == []
    assert page.wsgi_request.user == alice and "Alice A." in page.content.decode()


def test_the_unread_count_comes_with_the_member_in_one_round_trip(member_cache, alice, cache_calls):
    notify_members.call(
        member_ids=[alice.pk], kind="reply", idea_id=None, actor_id=None, message="Hi", url="/"
    )
    assert unread_count(cached_member(alice.pk)) == 1  # the member and the count are cached now
    cache_calls.clear()
    member = cached_member(alice.pk)
    assert cache_calls == [
        ("get_many", sorted([f"member:{alice.pk}", f"member:{alice.pk}:token", unread_cache_key(alice.pk)]))
    ]
    assert unread_count(member) == 1 and len(cache_calls) == 1  # no round trip of its own
    notifications_mark_read(member=member)
    assert unread_count(member) == 0  # what was read with the member is not served after a change


def test_without_the_cache_every_request_reads_the_member(settings, alice):
    settings.MEMBER_CACHE_SECONDS = 0
    client = logged_in(alice)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            client.get("/notifications/")
        assert len(member_queries(queries)) == 1


def test_a_ban_and_its_lifting_take_effect_on_the_next_request(member_cache, mona, alice, bob):
    idea = make_idea(author=alice)
    client = logged_in(bob)
    assert (
        client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON).status_code == 200
    )  # bob's copy is cached now

    ban = moderation.member_sanction(moderator=mona, member_id=bob.pk, type=Sanction.Type.BAN, reason="Fraud")
    refused = client.post(f"/ideas/{idea.pk}/unvote/", **JSON)
    assert refused.status_code == 403 and "banned" in refused.json()["error"]

    moderation.sanction_lift(moderator=mona, sanction=ban, reason="Mistaken identity")
    assert client.post(f"/ideas/{idea.pk}/unvote/", **JSON).json()["votes"] == 0


def test_a_new_display_name_shows_on_the_next_page(member_cache, alice):
    client = logged_in(alice)
    client.get("/notifications/")
    alice.display_name = "Alice Renamed"
    alice.save(update_fields=["display_name"])
    assert "Alice Renamed" in client.get("/notifications/").content.decode()


def test_a_password_change_logs_out_other_sessions(member_cache, alice):
    other_device = logged_in(alice)
    assert other_device.get("/notifications/").status_code == 200
    alice.set_password("a-brand-new-passphrase-77")
    alice.save()
    assert other_device.get("/notifications/").status_code == 302  # to the log-in page


def test_a_deactivated_member_is_logged_out(member_cache, alice):
    client = logged_in(alice)
    client.get("/notifications/")
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.get("/notifications/").status_code == 302


def test_a_trust_level_written_with_update_is_seen(member_cache, alice):
    """trust_refresh writes with QuerySet.update (no post_save) and retires the cached copy itself."""
    Member.objects.filter(pk=alice.pk).update(trust_level=0, trust_locked=False)
    alice.refresh_from_db()
    assert cached_member(alice.pk).trust_level == 0
    alice.is_staff = True  # staff are trusted; only the level is written, by update()
    trust_refresh(alice)
    assert cached_member(alice.pk).trust_level == TRUSTED


def test_a_copy_read_before_a_change_is_never_served_after_it(member_cache, alice):
    """The slow reader: it read the row, then the member changed, then it stored its old copy."""
    from django.core.cache import cache

    cached_member(alice.pk)
    token = cache.get(f"member:{alice.pk}:token")
    old_copy = Member.objects.get(pk=alice.pk)
    alice.display_name = "Changed meanwhile"
    alice.save(update_fields=["display_name"])
    cache.set(f"member:{alice.pk}", (token, old_copy), 600)  # the slow reader stores what it read

    assert cached_member(alice.pk).display_name == "Changed meanwhile"


def test_a_lost_token_never_validates_an_old_copy(member_cache, alice):
    from django.core.cache import cache

    cached_member(alice.pk)
    Member.objects.filter(pk=alice.pk).update(display_name="Changed without save")
    cache.delete(f"member:{alice.pk}:token")  # evicted or expired
    assert cached_member(alice.pk).display_name == "Changed without save"


def test_member_changed_outside_a_transaction_retires_the_copy(member_cache, alice):
    cached_member(alice.pk)
    Member.objects.filter(pk=alice.pk).update(display_name="Bulk edit")
    member_changed(alice.pk)
    assert cached_member(alice.pk).display_name == "Bulk edit"


def test_a_missing_member_is_nobody(member_cache, alice):
    assert cached_member(alice.pk + 1000) is None


def test_a_lost_cache_logs_nobody_out(member_cache, alice):
    """Sessions are written through to the database: emptying the cache (a Redis restart) costs a
    member a cache miss, not a log-in."""
    from django.core.cache import cache

    client = logged_in(alice)
    client.get("/notifications/")
    cache.clear()
    page = client.get("/notifications/")
    assert page.status_code == 200 and page.wsgi_request.user == alice


def test_logging_out_and_in_as_another_member_gives_the_new_member(member_cache, alice, bob):
    client = logged_in(alice)
    assert client.get("/notifications/").wsgi_request.user == alice
    client.logout()
    client.force_login(bob)
    assert client.get("/notifications/").wsgi_request.user == bob
