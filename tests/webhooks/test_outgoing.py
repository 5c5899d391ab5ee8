"""Outgoing webhooks against a real HTTP server on localhost that verifies signatures as a receiver."""

import json
import socket
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backlog.services import backlog_item_create, backlog_item_update
from ideas.models import Idea
from ideas.services import comment_post, idea_merge, idea_set_status
from notifications.models import Notification
from voting.services import vote_cast, vote_withdraw
from webhooks import services, targets, tasks
from webhooks.events import scan_segment_thresholds_task
from webhooks.models import Attempt, Delivery, Endpoint

from ..factories import MemberFactory, ProductFactory, SegmentFactory, make_idea
from .receiver import verify

pytestmark = pytest.mark.django_db


def make_due():
    """Time passes: the scheduled retries are due now (nothing sleeps)."""
    Delivery.objects.filter(status=Delivery.Status.PENDING).update(next_attempt_at=timezone.now())


def test_an_event_is_delivered_signed_after_commit(
    make_endpoint, receiver, rita, client, alice, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(["idea.created"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_idea(author=alice, title="Night mode for the camera")
    assert receiver.requests == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [(headers, body)] = receiver.requests
    assert verify(endpoint.secret, headers, body)
    assert not verify("whsec_" + "A" * 44, headers, body)
    event = json.loads(body)
    assert event["type"] == "idea.created"
    assert event["data"]["title"] == "Night mode for the camera"
    delivery = Delivery.objects.get()
    assert headers["webhook-id"] == delivery.webhook_id and delivery.webhook_id.startswith("msg_")
    assert delivery.status == Delivery.Status.SUCCEEDED
    client.force_login(rita)
    page = client.get(endpoint.get_absolute_url()).content.decode()
    assert "HTTP 200" in page and "thanks" in page and delivery.webhook_id in page


def test_a_rolled_back_change_sends_nothing(
    make_endpoint, receiver, alice, django_capture_on_commit_callbacks
):
    from django.db import transaction

    make_endpoint(["idea.created"])
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_idea(author=alice)
                raise RuntimeError
        except RuntimeError:
            pass
    assert receiver.requests == [] and not Delivery.objects.exists()


def test_500_is_retried_with_growing_back_off_under_the_same_id(
    make_endpoint, receiver, alice, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(["idea.created"])
    receiver.answers = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice)
    delivery = Delivery.objects.get()
    first = Attempt.objects.get()
    assert (first.status_code, delivery.status, delivery.attempts) == (500, "pending", 1)
    assert delivery.next_attempt_at - first.requested_at == timedelta(seconds=60)
    tasks.deliver_due.enqueue()  # not due yet: nothing is sent
    assert len(receiver.requests) == 1
    make_due()
    tasks.deliver_due.enqueue()
    delivery.refresh_from_db()
    second = Attempt.objects.order_by("-id").first()
    assert second.status_code == 500
    assert delivery.next_attempt_at - second.requested_at == timedelta(seconds=600)  # longer each time
    make_due()
    tasks.deliver_due.enqueue()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 3
    ids = {headers["webhook-id"] for headers, _ in receiver.requests}
    assert ids == {delivery.webhook_id} and len(receiver.requests) == 3
    assert all(verify(endpoint.secret, headers, body) for headers, body in receiver.requests)


def test_a_hanging_target_times_out_and_is_retried_later(
    make_endpoint, receiver, alice, django_capture_on_commit_callbacks
):
    make_endpoint(["idea.created"])
    receiver.hang = True
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice)
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and "timed out" in attempt.error
    assert Delivery.objects.get().status == Delivery.Status.PENDING


def test_bounded_attempts_then_the_endpoint_is_disabled_and_its_owner_told(
    make_endpoint, receiver, alice, rita, client, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(["idea.created"])
    receiver.answers = [500] * 6
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice, title="First")
        make_idea(author=alice, title="Second")
    for _ in range(2):
        make_due()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.deliver_due.enqueue()
    assert list(Delivery.objects.values_list("status", "attempts")) == [("failed", 3), ("failed", 3)]
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "2 deliveries in a row failed" in endpoint.disabled_reason
    note = Notification.objects.get(recipient=rita, kind=Notification.Kind.WEBHOOK)
    assert endpoint.url in note.message and note.url == endpoint.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice, title="Third")  # an endpoint that is off gets nothing
    assert len(receiver.requests) == 6 and Delivery.objects.count() == 2
    client.force_login(rita)
    assert "Disabled after 2 deliveries" in client.get(endpoint.get_absolute_url()).content.decode()


def test_replay_sends_again_with_the_same_webhook_id(
    make_endpoint, receiver, alice, rita, client, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(["idea.created"])
    receiver.answers = [503]
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice)
    delivery = Delivery.objects.get()
    client.force_login(rita)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    assert [h["webhook-id"] for h, _ in receiver.requests] == [delivery.webhook_id] * 2
    assert verify(endpoint.secret, *receiver.requests[1])
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert Attempt.objects.filter(replay=True, status_code=200).count() == 1
    assert "(replay)" in client.get(endpoint.get_absolute_url()).content.decode()


def test_slack_format(make_endpoint, receiver, alice, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(["idea.created"], format="slack")
    with django_capture_on_commit_callbacks(execute=True):
        idea = make_idea(author=alice, title="Tabs <and> spaces")
    [(headers, body)] = receiver.requests
    message = json.loads(body)
    assert set(message) == {"text", "blocks"}
    assert "Tabs <and> spaces" in message["text"]
    section = message["blocks"][0]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert "Tabs &lt;and&gt; spaces" in section["text"]["text"]
    assert idea.get_absolute_url() in section["text"]["text"]
    assert verify(endpoint.secret, headers, body)


def test_rotation_signs_with_both_secrets_during_the_grace_period(
    make_endpoint, receiver, alice, rita, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(["idea.created"])
    old = endpoint.secret
    endpoint = services.endpoint_rotate_secret(endpoint=endpoint, editor=rita)
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice)
    [(headers, body)] = receiver.requests
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verify(old, headers, body) and verify(endpoint.secret, headers, body)
    Endpoint.objects.update(previous_secret_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice, title="After the grace period")
    headers, body = receiver.requests[1]
    assert not verify(old, headers, body) and verify(endpoint.secret, headers, body)


def test_domain_events(make_endpoint, receiver, alice, rita, django_capture_on_commit_callbacks):
    make_endpoint(
        [
            "comment.created",
            "idea.status_changed",
            "idea.merged",
            "backlog_item.created",
            "backlog_item.updated",
        ]
    )
    idea, duplicate = make_idea(author=alice, title="Original"), make_idea(author=alice, title="Copy")
    with django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, idea=idea, body="Please")
        idea_set_status(idea=idea, changed_by=rita, status=Idea.Status.PLANNED, note="Next quarter")
        idea_merge(source=duplicate, target=idea, merged_by=rita, note="Same")
        item = backlog_item_create(creator=rita, product=ProductFactory(), title="Night mode")
        backlog_item_update(item=item, editor=rita, status="planned")
    events = receiver.events()
    assert [e["type"] for e in events] == [
        "comment.created",
        "idea.status_changed",
        "idea.merged",
        "backlog_item.created",
        "backlog_item.updated",
    ]
    assert events[0]["data"]["body"] == "Please"
    assert (events[1]["data"]["previous_status"], events[1]["data"]["status"]) == ("new", "planned")
    assert (
        events[2]["data"]["source"]["title"] == "Copy" and events[2]["data"]["target"]["title"] == "Original"
    )
    assert events[4]["data"]["changed"] == ["status"] and events[4]["data"]["status"] == "planned"


def test_votes_threshold_fires_once_per_idea(
    make_endpoint, receiver, alice, django_capture_on_commit_callbacks
):
    make_endpoint(["idea.votes_crossed"], votes_threshold=2)
    idea = make_idea(author=alice)
    first, second, third = MemberFactory(), MemberFactory(), MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(member=first, idea_id=idea.pk)
    assert receiver.requests == []
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(member=second, idea_id=idea.pk)  # 2: crossed
        vote_withdraw(member=second, idea_id=idea.pk)
        vote_cast(member=second, idea_id=idea.pk)  # 2 again: already fired
        vote_cast(member=third, idea_id=idea.pk)
    [event] = receiver.events()
    assert event["type"] == "idea.votes_crossed"
    assert event["data"]["threshold"] == 2 and event["data"]["idea"]["id"] == idea.pk


def test_segment_supporters_threshold_fires_once_per_idea(
    make_endpoint, receiver, alice, django_capture_on_commit_callbacks
):
    segment = SegmentFactory(name="Pro photographers")
    make_endpoint(["idea.segment_supporters_crossed"], segment=segment, segment_threshold=2)
    idea, other = make_idea(author=alice), make_idea(author=alice, title="Other")
    members = [MemberFactory() for _ in range(3)]
    for member in members[:2]:
        member.segments.add(segment)
    vote_cast(member=members[0], idea_id=idea.pk)
    vote_cast(member=members[2], idea_id=idea.pk)  # not in the segment
    vote_cast(member=members[0], idea_id=other.pk)
    with django_capture_on_commit_callbacks(execute=True):
        scan_segment_thresholds_task.enqueue()
    assert receiver.requests == []
    vote_cast(member=members[1], idea_id=idea.pk)
    with django_capture_on_commit_callbacks(execute=True):
        scan_segment_thresholds_task.enqueue()
        scan_segment_thresholds_task.enqueue()
    [event] = receiver.events()
    assert event["type"] == "idea.segment_supporters_crossed"
    assert event["data"]["idea"]["id"] == idea.pk and event["data"]["segment"] == "Pro photographers"


# --- SSRF ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "169.254.169.254",
        "224.0.0.1",
        "0.0.0.0",  # noqa: S104
        "::1",
        "::ffff:127.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
    ],
)
def test_private_and_reserved_targets_are_refused(settings, monkeypatch, address):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    resolve_to(monkeypatch, "hooks.example.com", address)
    with pytest.raises(targets.TargetRefused):
        targets.resolve("https://hooks.example.com/x")


def test_a_public_target_is_allowed(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    resolve_to(monkeypatch, "hooks.example.com", "93.184.215.14")
    assert targets.resolve("https://hooks.example.com:8443/x?y=1").address == "93.184.215.14"


def test_rnd_adds_a_webhook_on_the_page(hook_settings, client, rita, receiver):
    client.force_login(rita)
    assert client.get("/webhooks/new/").status_code == 200
    data = {"url": receiver.url, "format": "slack", "events": ["idea.created", "idea.votes_crossed"]}
    response = client.post("/webhooks/new/", data)
    assert response.status_code == 400 and "how many supporters" in response.content.decode()
    response = client.post("/webhooks/new/", {**data, "votes_threshold": "50"})
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == endpoint.get_absolute_url()
    assert (endpoint.owner, endpoint.votes_threshold, endpoint.secret[:6]) == (rita, 50, "whsec_")
    assert receiver.url in client.get("/webhooks/").content.decode()


def test_loopback_is_a_form_error_when_not_allowed(settings, client, rita, receiver):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(rita)
    response = client.post(
        "/webhooks/new/", {"url": receiver.url, "format": "json", "events": ["idea.created"]}
    )
    assert response.status_code == 400
    assert "private, loopback or reserved" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_a_name_that_resolves_to_loopback_at_send_time_is_refused(
    settings, monkeypatch, rita, alice, receiver, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    port = receiver.url.split(":")[2].split("/")[0]
    resolve_to(monkeypatch, "hooks.example.com", "93.184.215.14")
    endpoint = services.endpoint_save(
        editor=rita, url=f"http://hooks.example.com:{port}/hook", events=["idea.created"]
    )
    resolve_to(monkeypatch, "hooks.example.com", "127.0.0.1")  # DNS rebinding
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice)
    attempt = Attempt.objects.get(delivery__endpoint=endpoint)
    assert "private, loopback or reserved" in attempt.error and attempt.status_code is None
    assert receiver.requests == []


def resolve_to(monkeypatch, name, address):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == name:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_a_delivery_task_run_twice_sends_once(
    make_endpoint, receiver, alice, django_capture_on_commit_callbacks
):
    make_endpoint(["idea.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_idea(author=alice)
    delivery = Delivery.objects.get()
    assert tasks.deliver.enqueue(delivery_id=delivery.pk).return_value == "not due"
    assert len(receiver.requests) == 1 and Attempt.objects.count() == 1


def test_the_delivery_log_has_a_fixed_number_of_queries(
    make_endpoint,
    receiver,
    alice,
    rita,
    client,
    django_capture_on_commit_callbacks,
):
    endpoint = make_endpoint(["idea.created"])
    client.force_login(rita)

    def grow(n):
        receiver.answers = [500] * n
        with django_capture_on_commit_callbacks(execute=True):
            for k in range(n):
                make_idea(author=alice, title=f"Idea {k}")

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(endpoint.get_absolute_url()).status_code == 200
        return len(context)

    grow(2)
    client.get(endpoint.get_absolute_url())
    small = count()
    grow(5)
    assert count() == small
