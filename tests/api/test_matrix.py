"""Every operation of the API's OpenAPI schema × every persona, with the status each must get.

An operation missing from EXPECTED fails the first test: new operations must be classified here."""

import pytest
from django.utils import timezone

from backlog.models import CustomerRecord
from community.models import Segment
from ideas.services import comment_post
from tests.factories import MemberFactory, SegmentFactory, make_idea
from tests.prototypes.helpers import make_prototype, publisher

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "customer", "rnd", "customer_manager", "moderator", "administrator", "cco"]


def everyone(status, **overrides):
    return {persona: overrides.get(persona, status) for persona in PERSONAS}


def prototype_for_matrix():
    return make_prototype(by=publisher(), variants=("Classic",))


EXPECTED = {
    "GET /api/v1/ideas": everyone(200),
    "POST /api/v1/ideas": everyone(201, anonymous=401),
    "GET /api/v1/ideas/{idea_id}": everyone(200),
    # Only the author edits (the customer persona wrote the idea).
    "PATCH /api/v1/ideas/{idea_id}": everyone(403, anonymous=401, customer=200),
    "PUT /api/v1/ideas/{idea_id}/vote": everyone(200, anonymous=401),
    "DELETE /api/v1/ideas/{idea_id}/vote": everyone(200, anonymous=401),
    "PUT /api/v1/ideas/{idea_id}/follow": everyone(200, anonymous=401),
    "DELETE /api/v1/ideas/{idea_id}/follow": everyone(200, anonymous=401),
    "GET /api/v1/ideas/{idea_id}/comments": everyone(200),
    "POST /api/v1/ideas/{idea_id}/comments": everyone(201, anonymous=401),
    "POST /api/v1/ideas/{idea_id}/status": everyone(403, anonymous=401, rnd=200, administrator=200),
    "GET /api/v1/tags": everyone(200),
    "GET /api/v1/products": everyone(200),
    "GET /api/v1/campaigns": everyone(200),
    "GET /api/v1/me": everyone(200, anonymous=401),
    "GET /api/v1/me/export": everyone(200, anonymous=401),
    "GET /api/v1/backlog/items": everyone(
        403, anonymous=401, rnd=200, customer_manager=200, administrator=200
    ),
    "GET /api/v1/triage": everyone(403, anonymous=401, rnd=200, administrator=200),
    "POST /api/v1/triage": everyone(403, anonymous=401, rnd=200, administrator=200),
    # The chief customer officer reads every segment (community.permissions.may_view_segment_dashboards).
    "GET /api/v1/segments": everyone(
        403, anonymous=401, rnd=200, customer_manager=200, administrator=200, cco=200
    ),
    "GET /api/v1/segments/{slug}/demand": everyone(
        403, anonymous=401, rnd=200, customer_manager=200, administrator=200, cco=200
    ),
    # Customer managers for the segments they manage (the matrix's segment is theirs), administrators all.
    "PUT /api/v1/customers": everyone(403, anonymous=401, customer_manager=200, administrator=200),
    # The transactions import's predicate (customer managers for their segments' customers, administrators).
    "PUT /api/v1/transactions": everyone(403, anonymous=401, customer_manager=200, administrator=200),
    "GET /api/v1/prototypes/{prototype_id}/results": everyone(403, anonymous=401, rnd=200, administrator=200),
}

BODIES = {
    "POST /api/v1/ideas": {"title": "A new idea", "body": "Why and how"},
    "PATCH /api/v1/ideas/{idea_id}": {"title": "Edited"},
    "PUT /api/v1/ideas/{idea_id}/vote": {"value": 1},
    "POST /api/v1/ideas/{idea_id}/comments": {"body": "Agreed"},
    "POST /api/v1/ideas/{idea_id}/status": {"status": "under_review", "note": "Looking at it"},
    "POST /api/v1/triage": {"ideas": ["{idea_id}"], "action": "tag", "tags": ["triaged"]},
    "PUT /api/v1/customers": {
        "customers": [{"email": "crm@example.com", "external_id": "crm-1", "segment": "matrix", "clv": "10"}]
    },
    "PUT /api/v1/transactions": {
        "transactions": [
            {"external_id": "crm-tx", "date": "2026-01-05", "amount": "19.90", "reference": "A1"}
        ]
    },
}


def operations(client):
    schema = client.get("/api/v1/openapi.json").json()
    return sorted(f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item)


def test_every_operation_is_classified(client):
    assert operations(client) == sorted(EXPECTED)


CASES = [(operation, persona) for operation in EXPECTED for persona in PERSONAS]


@pytest.mark.parametrize("operation, persona", CASES, ids=[f"{o} as {p}" for o, p in CASES])
def test_operation(client, operation, persona, alice, rita, carl, mona, adam, cora, settings):
    settings.RATE_LIMIT_SCALE = 0
    cast = {"customer": alice, "rnd": rita, "customer_manager": carl}
    cast |= {"moderator": mona, "administrator": adam, "cco": cora}
    idea = make_idea(author=alice, title="Alice's idea")
    SegmentFactory(slug="matrix").managers.add(carl)
    MemberFactory(email="crm@example.com")
    CustomerRecord.objects.create(
        external_id="crm-tx", segment=Segment.objects.get(slug="matrix"), clv=10, imported_at=timezone.now()
    )
    comment_post(author=alice, idea=idea, body="First")
    token = None
    if persona != "anonymous":
        token = make_token(cast[persona], ["read", "write"] + ([] if persona == "customer" else ["staff"]))
    method, path = operation.split(" ")
    url = path.removeprefix("/api/v1").replace("{idea_id}", str(idea.pk)).replace("{slug}", "matrix")
    if "{prototype_id}" in url:
        url = url.replace("{prototype_id}", str(prototype_for_matrix().pk))
    api = ApiClient(client, token)
    call = getattr(api, method.lower())
    body = BODIES.get(operation)
    if operation == "POST /api/v1/triage":
        body = {**body, "ideas": [idea.pk]}
    response = call(url, json=body) if body else call(url)
    assert response.status_code == EXPECTED[operation][persona], response.content
