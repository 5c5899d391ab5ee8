"""The API speaks a product's own workflow (ideas.workflow): public names out, its statuses in, and a
transition the workflow forbids is a 422 problem naming the field."""

import pytest

from ideas.models import Idea

from ..factories import ProductFactory, make_idea
from ..ideas.test_custom_workflow import build_custom_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def camera(adam):
    camera = ProductFactory(name="Camera", slug="camera")
    build_custom_workflow(camera, adam)
    return camera


def test_the_api_speaks_public_names_and_refuses_forbidden_transitions(api, camera, rita, alice):
    idea = make_idea(author=alice, product=camera)
    as_rita = api.as_(rita, ["read", "write", "staff"])
    assert api.get(f"/ideas/{idea.pk}").json()["status_name"] == "Submitted"
    assert api.get("/ideas?product=camera").json()["results"][0]["status_name"] == "Submitted"
    refused = as_rita.post(f"/ideas/{idea.pk}/status", json={"status": "shipped", "note": "Done"})
    assert refused.status_code == 422, refused.content
    assert refused.json()["errors"][0]["field"] == "status"
    assert "cannot become Shipped" in refused.json()["errors"][0]["detail"]
    unknown = as_rita.post(f"/ideas/{idea.pk}/status", json={"status": "nowhere", "note": "Done"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "status"
    moved = as_rita.post(f"/ideas/{idea.pk}/status", json={"status": "needs-information", "note": "Which?"})
    assert moved.status_code == 200, moved.content
    assert moved.json() | {"changed_at": None} == {
        "idea": idea.pk,
        "status": "under_review",
        "status_name": "Needs information",
        "note": "Which?",
        "changed_at": None,
    }
    assert Idea.objects.get(pk=idea.pk).status_name == "Needs information"
