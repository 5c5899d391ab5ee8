"""Notification email through a real SMTP server: structure, headers, one-click unsubscribe, who gets
it, and what happens when the server refuses or hangs."""

import re
from datetime import timedelta

import pytest
from django.core import mail as outbox
from django.core import signing
from django.test import Client
from django.utils import timezone

from ideas.services import idea_set_status
from notifications import mail
from notifications.models import Cadence, EmailFailure, EmailPreference, EmailState, Notification
from notifications.services import email_cadences, notify_on_commit

from ..factories import make_idea
from .conftest import subscriber

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def notify(captured, members, kind, *, message="Something happened to “Offline maps”.", url="/ideas/1-maps/"):
    """What every app does: notify_on_commit, then the commit (tasks run at once in tests)."""
    with captured(execute=True):
        notify_on_commit(
            member_ids=[member.pk for member in members],
            kind=kind,
            idea_id=None,
            actor_id=None,
            message=message,
            url=url,
        )


def unsubscribe_link(message) -> str:
    return re.fullmatch(r"<(.+)>", "".join(str(message["List-Unsubscribe"]).split())).group(1)


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_is_emailed_through_smtp_with_one_click_unsubscribe(
    smtp, kind, django_capture_on_commit_callbacks
):
    member = subscriber(username="sam", display_name="Sam")
    EmailPreference.objects.create(member=member, kind=kind, cadence=Cadence.INSTANT)
    notify(django_capture_on_commit_callbacks, [member], kind, message="“Offline maps” & more <b>news</b>")

    [message] = smtp.to("sam@example.com")
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text, html = (part.get_content() for part in message.iter_parts())
    assert "“Offline maps” & more <b>news</b>" in text
    assert "“Offline maps” &amp; more &lt;b&gt;news&lt;/b&gt;" in html  # what members wrote is escaped
    assert "https://cocreate.example/ideas/1-maps/" in text
    assert "https://cocreate.example/notifications/email/" in text  # the preferences page, in the footer
    assert 'href="https://cocreate.example/notifications/email/"' in html
    assert message["From"] == "Cocreate <noreply@localhost>"
    assert message["Subject"].strip().startswith("[Cocreate] “Offline maps”")
    assert "127.0.0.1" not in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = unsubscribe_link(message)
    assert link.startswith("https://cocreate.example/notifications/unsubscribe/")
    assert link in text

    # A mail client's one-click POST: no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(link.removeprefix("https://cocreate.example"))
    assert response.status_code == 200
    assert "will not email you" in response.content.decode()
    assert email_cadences(member)[kind] == Cadence.NEVER

    notify(django_capture_on_commit_callbacks, [member], kind)
    assert len(smtp.to("sam@example.com")) == 1  # the next event of that kind sends nothing
    assert Notification.objects.filter(recipient=member).count() == 2  # it is still on the site


def test_the_defaults(smtp, ann, django_capture_on_commit_callbacks):
    cadences = email_cadences(ann)
    for kind in (Kind.STATUS_CHANGED, Kind.MERGED, Kind.RELEASE, Kind.OFFICIAL_RESPONSE, Kind.REPLY):
        assert cadences[kind] == Cadence.INSTANT
    assert cadences[Kind.MENTION] == cadences[Kind.MODERATION] == Cadence.INSTANT
    assert cadences[Kind.NEW_IDEA] == cadences[Kind.NEW_PROTOTYPE] == Cadence.WEEKLY

    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_IDEA)
    assert smtp.messages == []  # it waits for the weekly digest
    assert Notification.objects.get().email_state == EmailState.PENDING


def test_the_profile_switches_set_the_defaults(ann):
    ann.notify_status_changes = ann.notify_replies = False
    ann.email_digest = "daily"
    cadences = email_cadences(ann)
    assert cadences[Kind.STATUS_CHANGED] == cadences[Kind.REPLY] == Cadence.NEVER
    assert cadences[Kind.NEW_IDEA] == Cadence.DAILY
    assert cadences[Kind.MODERATION] == Cadence.INSTANT


def test_the_confirm_page_unsubscribes_only_on_post(client, smtp, ann, django_capture_on_commit_callbacks):
    notify(django_capture_on_commit_callbacks, [ann], Kind.REPLY)
    [message] = smtp.to("ann@example.com")
    path = unsubscribe_link(message).removeprefix("https://cocreate.example")

    page = client.get(path)  # not logged in
    assert page.status_code == 200
    assert "Stop emailing me “reply” notifications?" in page.content.decode()
    assert '<form method="post">' in page.content.decode()
    assert email_cadences(ann)[Kind.REPLY] == Cadence.INSTANT  # a link scanner's GET changes nothing

    assert "will not email you" in client.post(path).content.decode()
    again = client.post(path)  # the same link used twice
    assert again.status_code == 200
    assert "already unsubscribed" in again.content.decode()
    assert "already unsubscribed" in client.get(path).content.decode()
    assert email_cadences(ann)[Kind.REPLY] == Cadence.NEVER
    assert email_cadences(ann)[Kind.MENTION] == Cadence.INSTANT  # only that kind


def test_a_forged_unsubscribe_token_changes_nothing(client, ann):
    token = mail.unsubscribe_token(ann.pk, Kind.REPLY)
    payload, rest = token.split(":", 1)
    forged = signing.dumps({"m": ann.pk, "k": Kind.MODERATION}, salt="another salt")
    for bad in (forged, payload + "x:" + rest, "nonsense", mail.unsubscribe_token(ann.pk, "everything")):
        for method in (client.get, client.post):
            response = method(f"/notifications/unsubscribe/{bad}/")
            assert response.status_code == 400
            assert "This unsubscribe link is not valid, so nothing was changed." in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_an_expired_unsubscribe_token_changes_nothing(client, ann, settings, monkeypatch):
    token = mail.unsubscribe_token(ann.pk, Kind.REPLY)
    later = timezone.now().timestamp() + timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS + 1).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.post(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    assert "This unsubscribe link has expired, so nothing was changed." in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_no_email_without_consent_or_verified_address(smtp, django_capture_on_commit_callbacks):
    unverified = subscriber(username="una", email_verified=False)
    unconsenting = subscriber(username="uma", email_consent=False)
    ann = subscriber(username="ann")
    notify(django_capture_on_commit_callbacks, [unverified, unconsenting, ann], Kind.STATUS_CHANGED)
    assert [recipients for recipients, _message in smtp.messages] == [["ann@example.com"]]
    assert Notification.objects.count() == 3  # everyone still sees it on the site


def test_one_message_per_member_per_event_however_many_reasons(
    smtp, alice, rita, django_capture_on_commit_callbacks
):
    """Ann wrote the idea (so she follows it) and voted for it: one status change, one message."""
    from voting.services import vote_cast

    from ..factories import MemberFactory

    ann = subscriber(username="ann")
    idea = make_idea(author=ann)
    vote_cast(member=ann, idea_id=idea.pk)
    vote_cast(member=MemberFactory(), idea_id=idea.pk)  # someone who did not consent
    with django_capture_on_commit_callbacks(execute=True):
        idea_set_status(idea=idea, changed_by=rita, status="under_review", note="Looking at it")
    [message] = smtp.to("ann@example.com")
    assert len(smtp.messages) == 1
    assert "is now" in message["Subject"].strip()


def test_an_invalid_address_fails_alone_and_is_recorded(smtp, django_capture_on_commit_callbacks):
    broken = subscriber(username="broken", email="broken@")
    injected = subscriber(username="injected", email="ann@example.com\nBcc: everyone@example.com")
    refused = subscriber(username="gone")
    smtp.refuse.add("gone@example.com")
    ann = subscriber(username="ann")
    notify(django_capture_on_commit_callbacks, [broken, injected, refused, ann], Kind.STATUS_CHANGED)

    assert [recipients for recipients, _message in smtp.messages] == [["ann@example.com"]]
    failures = {failure.address: failure for failure in EmailFailure.objects.all()}
    assert set(failures) == {"broken@", "ann@example.com\nBcc: everyone@example.com", "gone@example.com"}
    assert "Invalid address" in failures["broken@"].error
    assert "can't contain newlines" in failures["ann@example.com\nBcc: everyone@example.com"].error
    assert "550" in failures["gone@example.com"].error
    assert failures["gone@example.com"].attempts == 1  # refused for good: not retried
    states = dict(Notification.objects.values_list("recipient__username", "email_state"))
    assert states == {"broken": "failed", "injected": "failed", "gone": "failed", "ann": "sent"}


def test_a_busy_server_is_retried_and_nobody_gets_the_event_twice(
    smtp, settings, django_capture_on_commit_callbacks
):
    members = [subscriber(username=f"m{n}") for n in range(3)]
    smtp.busy = 2  # "451 try again later" twice: the first two attempts send nothing
    notify(django_capture_on_commit_callbacks, members, Kind.RELEASE)
    assert sorted(recipients[0] for recipients, _message in smtp.messages) == [
        "m0@example.com",
        "m1@example.com",
        "m2@example.com",
    ]
    assert not EmailFailure.objects.exists()

    # The task run again (its worker died after sending): nothing is sent twice.
    from notifications.tasks import email_event

    email_event.call(event=Notification.objects.first().event)
    assert len(smtp.messages) == 3


def test_a_server_refusing_for_now_fails_after_the_last_attempt(
    smtp, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_SEND_ATTEMPTS = 3
    smtp.busy = 100
    ann = subscriber(username="ann")
    notify(django_capture_on_commit_callbacks, [ann], Kind.MODERATION)
    [failure] = EmailFailure.objects.all()
    assert failure.attempts == 3
    assert failure.error.startswith("451")
    assert smtp.busy == 97  # three attempts, no more
    assert Notification.objects.get().email_state == EmailState.FAILED


def test_a_hanging_server_times_out_and_is_recorded(
    silent_server, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_SEND_ATTEMPTS = 2
    ann = subscriber(username="ann")
    notify(django_capture_on_commit_callbacks, [ann], Kind.REPLY)
    [failure] = EmailFailure.objects.all()
    assert failure.attempts == 2
    assert "did not answer within 0.3 s" in failure.error
    notification = Notification.objects.get()
    assert notification.email_state == EmailState.FAILED
    assert notification.read_at is None  # the notification itself is there, unread


def test_a_failed_email_never_fails_the_request(client, rita, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: connection refused
    settings.EMAIL_SEND_ATTEMPTS, settings.EMAIL_RETRY_FIRST_SECONDS = 2, 0
    ann = subscriber(username="ann")
    idea = make_idea(author=ann)
    client.force_login(rita)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ideas/{idea.pk}/status/", {"status": "under_review", "note": "Soon"})
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == "under_review"
    assert EmailFailure.objects.get().address == "ann@example.com"


def test_content_with_locmem(ann, django_capture_on_commit_callbacks):
    notify(django_capture_on_commit_callbacks, [ann], Kind.OFFICIAL_RESPONSE, message="An official response.")
    [message] = outbox.outbox
    assert message.subject == "[Cocreate] An official response."
    assert message.to == ["ann@example.com"]
    assert "Hello Ann Subscriber," in message.body
