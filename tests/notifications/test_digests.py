"""Daily and weekly digests: what instant mail did not say, once, to members with something new; and
fixed queries per batch for both the instant fan-out and the digests."""

import math
from datetime import timedelta

import pytest
from django.core import mail as outbox
from django.utils import timezone

from notifications import mail
from notifications.models import Cadence, EmailPreference, EmailState, Notification
from notifications.services import email_cadences
from operations import scheduler

from ..factories import MemberFactory
from .conftest import subscriber
from .test_email import notify, unsubscribe_link

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def test_the_weekly_digest_lists_what_instant_mail_did_not_say(smtp, django_capture_on_commit_callbacks):
    ann = subscriber(username="ann")
    notify(
        django_capture_on_commit_callbacks,
        [ann],
        Kind.NEW_IDEA,
        message="New idea: “Dark mode”",
        url="/ideas/7/",
    )
    notify(django_capture_on_commit_callbacks, [ann], Kind.STATUS_CHANGED, message="“Maps” is now planned")
    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_PROTOTYPE, message="New prototype: “Maps v2”")
    assert len(smtp.messages) == 1  # the status change, at once

    delivery = mail.send_digests(cadence=Cadence.WEEKLY)
    assert delivery.sent == 1
    digest = smtp.messages[-1][1]
    assert digest["Subject"].strip() == "[Cocreate] Your weekly digest: 2 updates"
    assert digest.get_content_type() == "multipart/alternative"
    text, html = (part.get_content() for part in digest.iter_parts())
    assert "New idea: “Dark mode”" in text and "https://cocreate.example/ideas/7/" in text
    assert "New prototype: “Maps v2”" in text
    assert "is now planned" not in text  # already emailed at once
    assert "New idea: “Dark mode”" in html
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}

    assert mail.send_digests(cadence=Cadence.WEEKLY).sent == 0  # nothing twice
    assert mail.send_digests(cadence=Cadence.DAILY).sent == 0  # nor in the other digest
    assert len(smtp.messages) == 2


def test_members_with_nothing_new_get_no_digest(smtp, django_capture_on_commit_callbacks):
    idle = subscriber(username="idle")  # noqa: F841 - nothing happened to what she follows
    instant_only = subscriber(username="instant")
    never = subscriber(username="never", email_digest="never")
    notify(django_capture_on_commit_callbacks, [instant_only], Kind.REPLY)
    notify(django_capture_on_commit_callbacks, [never], Kind.NEW_IDEA)
    smtp.messages.clear()
    assert mail.send_digests(cadence=Cadence.WEEKLY).sent == 0
    assert mail.send_digests(cadence=Cadence.DAILY).sent == 0
    assert smtp.messages == []


def test_each_kind_goes_to_the_digest_chosen_for_it(django_capture_on_commit_callbacks):
    ann = subscriber(username="ann", display_name="Ann")
    EmailPreference.objects.create(member=ann, kind=Kind.NEW_IDEA, cadence=Cadence.DAILY)
    EmailPreference.objects.create(member=ann, kind=Kind.RELEASE, cadence=Cadence.WEEKLY)
    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_IDEA, message="A daily thing")
    notify(django_capture_on_commit_callbacks, [ann], Kind.RELEASE, message="A weekly thing")
    assert outbox.outbox == []
    mail.send_digests(cadence=Cadence.DAILY)
    [daily] = outbox.outbox
    assert "A daily thing" in daily.body and "A weekly thing" not in daily.body
    mail.send_digests(cadence=Cadence.WEEKLY)
    assert "A weekly thing" in outbox.outbox[1].body


def test_old_notifications_are_not_dug_up(django_capture_on_commit_callbacks):
    ann = subscriber(username="ann")
    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_IDEA)
    Notification.objects.update(created_at=timezone.now() - timedelta(days=15))
    assert mail.send_digests(cadence=Cadence.WEEKLY).sent == 0


def test_the_digests_unsubscribe_link_stops_that_digest(client, smtp, django_capture_on_commit_callbacks):
    ann = subscriber(username="ann")
    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_IDEA)
    mail.send_digests(cadence=Cadence.WEEKLY)
    path = unsubscribe_link(smtp.messages[-1][1]).removeprefix("https://cocreate.example")
    assert "Stop emailing me your weekly digest?" in client.get(path).content.decode()
    client.post(path)
    cadences = email_cadences(ann)
    assert cadences[Kind.NEW_IDEA] == cadences[Kind.NEW_PROTOTYPE] == Cadence.NEVER
    assert cadences[Kind.STATUS_CHANGED] == Cadence.INSTANT
    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_PROTOTYPE)
    assert mail.send_digests(cadence=Cadence.WEEKLY).sent == 0


def _event(members, kind, event="bench"):
    Notification.objects.bulk_create(
        [
            Notification(recipient=member, kind=kind, message=f"Shipped, {n}", url="/", event=event)
            for n, member in enumerate(members)
        ]
    )


@pytest.mark.parametrize("batch_size", [2, 3])
def test_the_instant_fan_out_costs_fixed_queries_per_batch(batch_size, django_assert_num_queries):
    members = [subscriber() for _ in range(6)] + [MemberFactory()]  # one without consent: not loaded
    EmailPreference.objects.create(member=members[0], kind=Kind.RELEASE, cadence=Cadence.NEVER)
    _event(members, Kind.RELEASE)
    batches = math.ceil(6 / batch_size)
    # Per batch: the notifications with their members, the members' choices, the record of what went.
    with django_assert_num_queries(3 * batches + 1):
        delivery = mail.email_event(event="bench", batch_size=batch_size)
    assert delivery.sent == len(outbox.outbox) == 5
    assert {message.to[0] for message in outbox.outbox} == {member.email for member in members[1:6]}


@pytest.mark.parametrize("batch_size", [2, 3])
def test_the_digest_costs_fixed_queries_per_batch(batch_size, django_assert_num_queries):
    members = [subscriber() for _ in range(6)]
    _event(members, Kind.NEW_IDEA, event="one")
    _event(members[:4], Kind.NEW_PROTOTYPE, event="two")
    _event([MemberFactory()], Kind.NEW_IDEA, event="three")  # without consent: not loaded
    batches = math.ceil(6 / batch_size)
    # Per batch: the members, their choices, their notifications not emailed, the record of what went.
    with django_assert_num_queries(4 * batches + 1):
        delivery = mail.send_digests(cadence=Cadence.WEEKLY, batch_size=batch_size)
    assert delivery.sent == len(outbox.outbox) == 6
    assert sorted(message.subject for message in outbox.outbox) == (
        ["[Cocreate] Your weekly digest: 1 update"] * 2 + ["[Cocreate] Your weekly digest: 2 updates"] * 4
    )


def test_the_digest_jobs_are_registered_and_run_once_per_period(django_capture_on_commit_callbacks):
    daily = scheduler.JOBS["notifications.daily_digest"]
    weekly = scheduler.JOBS["notifications.weekly_digest"]
    assert daily.every == timedelta(days=1) and weekly.every == timedelta(days=7)
    ann = subscriber(username="ann")
    EmailPreference.objects.create(member=ann, kind=Kind.NEW_IDEA, cadence=Cadence.DAILY)
    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_IDEA)
    now = timezone.now()

    assert scheduler.run_if_due(daily, now)  # queued, and run at once by the tests' task backend
    assert len(outbox.outbox) == 1
    notify(django_capture_on_commit_callbacks, [ann], Kind.NEW_IDEA)
    assert not scheduler.run_if_due(daily, now)  # a second scheduler in the same period
    assert not scheduler.run_if_due(daily, now + timedelta(hours=23))
    assert len(outbox.outbox) == 1
    assert scheduler.run_if_due(daily, now + timedelta(days=1))
    assert len(outbox.outbox) == 2
    for name in ("moderation.scan_votes", "moderation.refresh_trust", "voting.rescore_pending"):
        assert any(job.startswith(name) for job in scheduler.JOBS), name
