"""The issue trackers' inbound webhooks, with the payload shapes GitHub ("issues") and Jira
("jira:issue_updated") send."""

import hashlib
import hmac
import json

import pytest

from backlog.models import BacklogItem
from backlog.services import backlog_item_create
from ideas.models import Idea, StatusChange
from ideas.services import idea_set_status
from notifications.models import Notification
from voting.services import vote_cast
from webhooks.models import InboundDelivery

from ..factories import ProductFactory, make_idea

pytestmark = pytest.mark.django_db

ISSUE = "https://github.com/acme/camera/issues/42"
JIRA_ISSUE = "https://acme.atlassian.net/browse/CAM-7"


@pytest.fixture
def trackers(settings):
    settings.WEBHOOKS_GITHUB_SECRET = "gh-shared-secret"
    settings.WEBHOOKS_JIRA_SECRET = "jira-shared-secret"


@pytest.fixture
def work(trackers, rita, alice, bob):
    """A backlog item R&D linked to an issue, with two ideas (planned, under review) that bob supports."""
    night = make_idea(author=alice, title="Night mode")
    timer = make_idea(author=alice, title="Self-timer")
    idea_set_status(idea=night, changed_by=rita, status=Idea.Status.PLANNED, note="Planned")
    idea_set_status(idea=timer, changed_by=rita, status=Idea.Status.UNDER_REVIEW, note="Looking")
    vote_cast(member=bob, idea_id=night.pk)
    vote_cast(member=bob, idea_id=timer.pk)
    item = backlog_item_create(
        creator=rita, product=ProductFactory(), title="Camera modes", status="in_progress", issue_url=ISSUE
    )
    item.ideas.add(night, timer)
    return {"item": item, "night": night, "timer": timer}


def github_issue_event(action, *, state_reason="completed", url=ISSUE):
    """The shape of GitHub's `issues` webhook (abridged to the fields that matter plus a few others)."""
    return {
        "action": action,
        "issue": {
            "url": "https://api.github.com/repos/acme/camera/issues/42",
            "html_url": url,
            "id": 1,
            "number": 42,
            "title": "Camera modes",
            "state": "closed" if action == "closed" else "open",
            "state_reason": state_reason if action == "closed" else "reopened",
            "user": {"login": "octocat", "id": 1},
            "labels": [],
        },
        "repository": {"id": 9, "full_name": "acme/camera", "html_url": "https://github.com/acme/camera"},
        "sender": {"login": "octocat", "id": 1},
    }


def post_github(
    client,
    payload,
    *,
    delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958",
    secret="gh-shared-secret",  # noqa: S107
    body=None,
):
    body = body if body is not None else json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/github/",
        body,
        content_type="application/json",
        headers={"X-GitHub-Event": "issues", "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": signature},
    )


def jira_issue_updated(to_status, category, *, from_status="In Progress"):
    """The shape of Jira Cloud's jira:issue_updated webhook (abridged)."""
    return {
        "timestamp": 1733322000000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Rita"},
        "issue": {
            "id": "10007",
            "self": "https://acme.atlassian.net/rest/api/2/issue/10007",
            "key": "CAM-7",
            "fields": {
                "summary": "Camera modes",
                "status": {
                    "self": "https://acme.atlassian.net/rest/api/2/status/10001",
                    "name": to_status,
                    "id": "10001",
                    "statusCategory": {"id": 3, "key": category, "name": to_status},
                },
            },
        },
        "changelog": {
            "id": "10114",
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "from": "3",
                    "fromString": from_status,
                    "to": "10001",
                    "toString": to_status,
                }
            ],
        },
    }


def post_jira(client, payload, *, identifier="1f2e3d4c-jira", secret="jira-shared-secret", query=""):  # noqa: S107
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Atlassian-Webhook-Identifier": identifier}
    if not query:
        headers["X-Hub-Signature"] = signature
    return client.post(f"/webhooks/jira/{query}", body, content_type="application/json", headers=headers)


def statuses(work):
    work["item"].refresh_from_db()
    return (
        work["item"].status,
        Idea.objects.get(pk=work["night"].pk).status,
        Idea.objects.get(pk=work["timer"].pk).status,
    )


def test_closing_the_issue_ships_the_item_and_its_ideas_and_tells_supporters(
    client, work, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_github(client, github_issue_event("closed"))
    assert response.status_code == 200, response.content
    assert statuses(work) == ("shipped", "shipped", "shipped")
    change = StatusChange.objects.filter(idea=work["night"]).latest("pk")
    assert ISSUE in change.note and change.to_status == "shipped"
    told = Notification.objects.filter(
        recipient=bob, kind=Notification.Kind.STATUS_CHANGED, message__contains=ISSUE
    )
    assert {n.idea_id for n in told} == {work["night"].pk, work["timer"].pk}
    assert ISSUE in client.get(work["night"].get_absolute_url()).content.decode()  # the public note


def test_reopening_puts_everything_back(client, work, bob, django_capture_on_commit_callbacks):
    post_github(client, github_issue_event("closed"), delivery="one")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_github(client, github_issue_event("reopened"), delivery="two")
    assert response.status_code == 200
    assert statuses(work) == ("in_progress", "planned", "under_review")
    assert Notification.objects.filter(recipient=bob, message__contains="reopened").count() == 2


def test_a_redelivery_changes_nothing(client, work):
    post_github(client, github_issue_event("closed"), delivery="same")
    post_github(client, github_issue_event("reopened"), delivery="reopen")
    changes = StatusChange.objects.count()
    response = post_github(client, github_issue_event("closed"), delivery="same")  # GitHub's "Redeliver"
    assert response.status_code == 200 and response.json()["outcome"] == "duplicate"
    assert statuses(work) == ("in_progress", "planned", "under_review")
    assert StatusChange.objects.count() == changes


def test_a_bad_signature_is_401_and_changes_nothing(client, work):
    response = post_github(client, github_issue_event("closed"), secret="guessed")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Bad signature" and response.json()["status"] == 401
    assert statuses(work) == ("in_progress", "planned", "under_review")
    assert not InboundDelivery.objects.exists()


def test_malformed_json_is_400(client, work):
    response = post_github(client, None, body=b"{not json")
    assert response.status_code == 400 and response.json()["title"] == "Malformed JSON"
    assert statuses(work) == ("in_progress", "planned", "under_review")


def test_closed_as_not_planned_ships_nothing(client, work):
    response = post_github(client, github_issue_event("closed", state_reason="not_planned"))
    assert response.json()["outcome"] == "ignored"
    assert statuses(work) == ("in_progress", "planned", "under_review")


def test_an_unconfigured_tracker_is_not_found(client, work, settings):
    settings.WEBHOOKS_GITHUB_SECRET = ""
    assert post_github(client, github_issue_event("closed")).status_code == 404
    assert client.get("/webhooks/github/").status_code == 405


def test_jira_done_ships_and_back_to_in_progress_reopens(
    client, work, rita, django_capture_on_commit_callbacks
):
    item = work["item"]
    BacklogItem.objects.filter(pk=item.pk).update(issue_url=JIRA_ISSUE)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_jira(client, jira_issue_updated("Done", "done"), identifier="a").status_code == 200
    assert statuses(work) == ("shipped", "shipped", "shipped")
    assert JIRA_ISSUE in StatusChange.objects.filter(idea=work["night"]).latest("pk").note
    # A redelivery (same identifier) changes nothing.
    assert (
        post_jira(client, jira_issue_updated("Done", "done"), identifier="a").json()["outcome"] == "duplicate"
    )
    # Older Jira: the shared secret as a query token instead of a signature.
    response = post_jira(
        client,
        jira_issue_updated("In Progress", "indeterminate", from_status="Done"),
        identifier="b",
        query="?token=jira-shared-secret",
    )
    assert response.status_code == 200
    assert statuses(work) == ("in_progress", "planned", "under_review")


def test_jira_bad_secret_is_401(client, work):
    BacklogItem.objects.filter(pk=work["item"].pk).update(issue_url=JIRA_ISSUE)
    assert post_jira(client, jira_issue_updated("Done", "done"), secret="nope").status_code == 401
    assert post_jira(client, jira_issue_updated("Done", "done"), query="?token=nope").status_code == 401
    assert statuses(work) == ("in_progress", "planned", "under_review")


def test_the_issue_is_linked_on_the_item_page_by_rnd(client, work, rita):
    client.force_login(rita)
    item = work["item"]
    data = {
        "product": item.product_id,
        "title": item.title,
        "status": item.status,
        "effort_estimate": "1",
        "impact": "1",
        "confidence": "0.8",
        "issue_url": "https://example.com/not-an-issue",
    }
    response = client.post(f"/backlog/items/{item.pk}/edit/", data)
    assert response.status_code == 400 and "Link a GitHub issue" in response.content.decode()
    data["issue_url"] = "https://github.com/acme/camera/issues/43"
    assert client.post(f"/backlog/items/{item.pk}/edit/", data).status_code == 302
    item.refresh_from_db()
    assert item.issue_url.endswith("/43") and item.issue_linked_by == rita
    assert item.issue_url in client.get(item.get_absolute_url()).content.decode()
