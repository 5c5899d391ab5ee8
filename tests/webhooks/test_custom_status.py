"""A product's own workflow reaches webhooks by its public names (ideas.workflow)."""

import pytest

from ideas import workflow
from ideas.services import idea_set_status
from webhooks.events import summary

from ..factories import ProductFactory, make_idea

pytestmark = pytest.mark.django_db


def test_a_status_change_carries_its_public_name(
    make_endpoint, receiver, alice, rita, adam, django_capture_on_commit_callbacks
):
    camera = ProductFactory(slug="camera")
    workflow.workflow_customise(product=camera, by=adam)
    planned = camera.workflow_statuses.get(key="planned")
    workflow.workflow_status_update(
        status=planned,
        by=adam,
        name="Coming soon",
        takes_votes=True,
        takes_comments=True,
        next_statuses=planned.next_statuses.all(),
    )
    make_endpoint(["idea.status_changed"])
    idea = make_idea(author=alice, product=camera)
    with django_capture_on_commit_callbacks(execute=True):
        idea_set_status(idea=idea, changed_by=rita, status="planned", note="Spring")
    [event] = receiver.events()
    assert (event["data"]["status"], event["data"]["status_name"]) == ("planned", "Coming soon")
    assert summary(event["type"], event["data"])[0] == "Status: Coming soon"  # Slack's line
