"""The email preferences page: reachable from the notifications and profile pages, login required."""

import pytest

from notifications.models import Cadence, EmailPreference, Notification

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def test_it_checks_access(client):
    response = client.get("/notifications/email/")
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_it_is_linked_from_the_notifications_and_profile_pages(alice_client):
    for page in ("/notifications/", "/members/me/"):
        assert 'href="/notifications/email/"' in alice_client.get(page).content.decode()


def test_a_member_chooses_per_kind_and_the_master_switch(alice_client, alice):
    page = alice_client.get("/notifications/email/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "A new idea in something you follow." in content
    data = {kind: Cadence.INSTANT for kind in Kind.values}
    data.update({"consent": "on", Kind.NEW_IDEA: Cadence.DAILY, Kind.REPLY: Cadence.NEVER})
    response = alice_client.post("/notifications/email/", data)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email_consent and alice.email_consent_at is not None
    # Only the choices that differ from the defaults are kept: the rest follow the profile's switches.
    assert dict(EmailPreference.objects.filter(member=alice).values_list("kind", "cadence")) == {
        Kind.NEW_IDEA: Cadence.DAILY,
        Kind.NEW_PROTOTYPE: Cadence.INSTANT,
        Kind.REPLY: Cadence.NEVER,
    }
    assert "Your email preferences are saved." in alice_client.get(response.url).content.decode()

    alice_client.post("/notifications/email/", {**data, "consent": ""})
    alice.refresh_from_db()
    assert not alice.email_consent and alice.email_consent_at is None


def test_a_bad_choice_is_a_form_error(alice_client):
    data = {kind: Cadence.INSTANT for kind in Kind.values}
    data[Kind.REPLY] = "hourly"
    response = alice_client.post("/notifications/email/", data)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_unverified_members_are_told_nothing_is_sent(client, nora):
    client.force_login(nora)
    assert "We email only verified addresses" in client.get("/notifications/email/").content.decode()


def test_each_kind_is_labelled_as_written(alice_client):
    page = alice_client.get("/notifications/email/").content.decode()
    assert ">New idea in something I follow<" in page and ">Status changed<" in page
