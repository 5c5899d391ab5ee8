"""The header of the pages shared by members (cocreate/holes.py): each member sees their own."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client

from notifications.services import notifications_mark_read, notify_members

from ..factories import make_idea

pytestmark = pytest.mark.django_db


def logged_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def header(html: str) -> str:
    return re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)


def logout_token(html: str) -> str:
    return re.search(r'action="/accounts/logout/".*?name="csrfmiddlewaretoken" value="([^"]+)"', html, re.S)[
        1
    ]


def test_the_page_is_the_same_as_a_direct_rendering(alice):
    make_idea(title="Offline maps")
    client = logged_in(alice)
    first, second = (client.get("/ideas/").content.decode() for _ in range(2))  # rendered, then reused
    assert "Offline maps" in second and "Alice A." in header(second)
    assert re.sub(r'value="[^"]{64}"', "TOKEN", first) == re.sub(r'value="[^"]{64}"', "TOKEN", second)


@pytest.mark.parametrize("members_cached", [False, True], ids=["member read each time", "member cached"])
def test_the_unread_badge_follows_notifications(request, members_cached, alice):
    if members_cached:  # the count then comes with the member (community.auth.read_with_member)
        request.getfixturevalue("member_cache")
    client = logged_in(alice)
    assert 'class="count"' not in header(client.get("/ideas/").content.decode())
    notify_members.call(
        member_ids=[alice.pk], kind="reply", idea_id=None, actor_id=None, message="Hi", url="/"
    )
    notify_members.call(
        member_ids=[alice.pk], kind="reply", idea_id=None, actor_id=None, message="Yo", url="/"
    )
    assert re.search(r'<span class="count"[^>]*>2</span>', header(client.get("/ideas/").content.decode()))
    notifications_mark_read(member=alice)
    assert 'class="count"' not in header(client.get("/ideas/").content.decode())


def test_a_new_display_name_shows_at_once(alice):
    client = logged_in(alice)
    client.get("/ideas/")
    alice.display_name = "Alice Renamed"
    alice.save(update_fields=["display_name"])
    page = header(client.get("/ideas/").content.decode())
    assert "Alice Renamed" in page and "Alice A." not in page


def test_members_never_see_each_others_header(alice, bob):
    alice_client, bob_client = logged_in(alice), logged_in(bob)
    alice_client.get("/ideas/")
    page = header(bob_client.get("/ideas/").content.decode())
    assert "Bob B." in page and "Alice A." not in page


def test_the_log_out_form_carries_the_members_own_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/ideas/")
    token = logout_token(client.get("/ideas/").content.decode())
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "Log in" in header(client.get("/ideas/").content.decode())


def test_waiting_messages_are_shown_once(alice, rf):
    client = logged_in(alice)
    client.get("/ideas/")  # the page is kept from here on
    storage = CookieStorage(rf.get("/"))
    storage.add(constants.SUCCESS, "Your idea is posted.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value
    assert "Your idea is posted." in client.get("/ideas/").content.decode()
    assert "Your idea is posted." not in client.get("/ideas/").content.decode()


def test_staff_get_their_own_links(rita):
    page = header(logged_in(rita).get("/ideas/").content.decode())
    assert "Backlog" in page and "Rita R&amp;D" in page
