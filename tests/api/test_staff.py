import pytest

from backlog.models import BacklogItem, CustomerRecord
from ideas.models import Idea
from tests.factories import MemberFactory, ProductFactory, SegmentFactory, make_idea

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db

STAFF = ["read", "write", "staff"]


def test_backlog_items_for_rnd_and_customer_managers(client, alice, rita, carl, mona):
    BacklogItem.objects.create(product=ProductFactory(slug="cam"), title="Night mode", created_by=rita)
    for member, status in [(rita, 200), (carl, 200), (mona, 403), (alice, 403)]:
        assert (
            ApiClient(client, make_token(member, STAFF if member.is_staff else ["read"]))
            .get("/backlog/items")
            .status_code
            == status
        )
    items = ApiClient(client, make_token(rita, STAFF)).get("/backlog/items").json()
    assert [i["title"] for i in items] == ["Night mode"] and items[0]["product"] == "cam"


def test_triage_queue_and_decline(client, alice, rita):
    idea = make_idea(author=alice)
    api = ApiClient(client, make_token(rita, STAFF))
    assert [i["id"] for i in api.get("/triage").json()["results"]] == [idea.pk]
    refused = api.post("/triage", json={"ideas": [idea.pk], "action": "decline"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    done = api.post("/triage", json={"ideas": [idea.pk], "action": "decline", "reason": "Out of scope"})
    assert done.status_code == 200, done.content
    assert Idea.objects.get(pk=idea.pk).status == "declined"
    tag = api.post("/triage", json={"ideas": [idea.pk], "action": "tag", "tags": ["x"]})
    assert tag.status_code == 422  # no longer in the queue


def test_segments_and_demand(client, carl, alice):
    segment = SegmentFactory(slug="pros")
    api = ApiClient(client, make_token(carl, STAFF))
    assert [s["slug"] for s in api.get("/segments").json()] == ["pros"]
    assert api.get("/segments/pros/demand").status_code == 200
    assert api.get("/segments/nope/demand").status_code == 404
    assert ApiClient(client, make_token(alice, ["read"])).get("/segments").status_code == 403
    assert segment


def test_customers_upsert_all_or_nothing_and_idempotent(client, carl, adam):
    segment = SegmentFactory(slug="pros")
    segment.managers.add(carl)
    other = SegmentFactory(slug="others")
    first, second = MemberFactory(email="a@example.com"), MemberFactory(email="b@example.com")
    api = ApiClient(client, make_token(carl, STAFF))
    rows = [
        {"email": "a@example.com", "external_id": "crm-1", "segment": "pros", "clv": "1200.00"},
        {
            "email": "b@example.com",
            "external_id": "crm-2",
            "segment": "pros",
            "margin": 50,
            "retention": "0.8",
        },
    ]
    bad = api.put("/customers", json={"customers": [*rows, {**rows[0], "email": "nobody@example.com"}]})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["customers.2"]
    assert not CustomerRecord.objects.exists()
    # A customer manager imports only into the segments they manage.
    theirs = api.put("/customers", json={"customers": [{**rows[0], "segment": other.slug}]})
    assert theirs.status_code == 422 and not CustomerRecord.objects.exists()
    done = api.put("/customers", json={"customers": rows})
    assert done.json() == {"created": 2, "updated": 0, "imported": True}
    again = api.put("/customers", json={"customers": rows})
    assert again.json() == {"created": 0, "updated": 2, "imported": True}
    assert CustomerRecord.objects.get(member=first).clv == 1200
    assert (
        CustomerRecord.objects.count() == 2
        and CustomerRecord.objects.get(member=second).external_id == "crm-2"
    )
    wrong = ApiClient(client, make_token(adam, ["read", "write"])).put("/customers", json={"customers": rows})
    assert wrong.status_code == 403  # no staff scope


def test_prototype_results_for_rnd(client, rita, alice):
    from tests.prototypes.helpers import make_prototype

    prototype = make_prototype(by=rita, variants=("Classic",))
    body = ApiClient(client, make_token(rita, STAFF)).get(f"/prototypes/{prototype.pk}/results").json()
    assert body["prototype"] == prototype.pk and [v["variant"] for v in body["variants"]] == ["Classic"]
    assert (
        ApiClient(client, make_token(alice, ["read"])).get(f"/prototypes/{prototype.pk}/results").status_code
        == 403
    )
    assert ApiClient(client, make_token(rita, STAFF)).get("/prototypes/999999/results").status_code == 404
