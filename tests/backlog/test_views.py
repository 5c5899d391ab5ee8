"""Triage actions, privacy of members' value per role, query counts, exports, weights."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backlog.models import BacklogItem, CustomerRecord, PriorityWeights, TriageAction
from ideas.models import Idea, StatusChange
from tests.factories import MemberFactory, ProductFactory, make_idea
from voting.services import vote_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def valued(segments, carl):
    """Carl manages Pros only; a Pros member with an imported CLV and a Casual member, both supporting."""
    pros, casual = segments
    pros.managers.add(carl)
    vip = MemberFactory(username="vip", display_name="Vip Pro")
    vip.segments.add(pros)
    CustomerRecord.objects.create(
        member=vip, external_id="V-1", segment=pros, clv="4321.00", imported_at=timezone.now()
    )
    other = MemberFactory(username="other", display_name="Casual Carol")
    other.segments.add(casual)
    idea = make_idea(title="Longer battery")
    vote_cast(member=vip, idea_id=idea.pk)
    vote_cast(member=other, idea_id=idea.pk)
    return {"pros": pros, "casual": casual, "vip": vip, "other": other, "idea": idea}


def test_triage_actions_are_applied_and_logged(client, rita, product, valued):
    idea, second = valued["idea"], make_idea(title="Second")
    client.force_login(rita)
    client.post("/triage/", {"ideas": [idea.pk, second.pk], "action": "tag", "tags": "battery, power"})
    assert set(idea.tags.names()) == {"battery", "power"}
    client.post("/triage/", {"ideas": [idea.pk], "action": "set_product", "product": product.pk})
    idea.refresh_from_db()
    assert idea.product == product
    item = BacklogItem.objects.create(product=product, title="Power", created_by=rita)
    client.post("/triage/", {"ideas": [idea.pk], "action": "link", "backlog_item": item.pk})
    assert list(item.ideas.all()) == [idea]
    # Declining needs a reason, which becomes the public note.
    response = client.post("/triage/", {"ideas": [second.pk], "action": "decline"})
    assert response.status_code == 400 and "Give a reason when declining" in response.content.decode()
    client.post("/triage/", {"ideas": [second.pk], "action": "decline", "reason": "Out of scope"})
    second.refresh_from_db()
    assert second.status == Idea.Status.DECLINED
    assert StatusChange.objects.get(idea=second).note == "Out of scope"
    kinds = sorted(TriageAction.objects.values_list("idea_id", "kind"))
    assert kinds == sorted(
        [
            (idea.pk, "tag"),
            (second.pk, "tag"),
            (idea.pk, "set_product"),
            (idea.pk, "link"),
            (second.pk, "decline"),
        ]
    )
    assert set(TriageAction.objects.values_list("actor", flat=True)) == {rita.pk}
    # Both left the queue: one is in a backlog item, the other declined.
    assert "Nothing to triage" in client.get("/triage/").content.decode()


def test_mark_duplicate_uses_the_merge(client, rita, valued):
    original, duplicate = valued["idea"], make_idea(title="Battery lasts longer")
    vote_cast(member=MemberFactory(), idea_id=duplicate.pk)
    client.force_login(rita)
    response = client.post(
        "/triage/",
        {"ideas": [duplicate.pk], "action": "duplicate", "duplicate_of": original.pk, "reason": "Same ask"},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert duplicate.status == Idea.Status.MERGED and duplicate.merged_into == original
    assert original.upvote_count == 3  # the duplicate's supporter moved over
    action = TriageAction.objects.get(kind="duplicate")
    assert (action.idea, action.duplicate_of, action.detail) == (duplicate, original, "Same ask")
    # Not into itself, and not without a target.
    response = client.post("/triage/", {"ideas": [original.pk], "action": "duplicate", "reason": "x"})
    assert response.status_code == 400


def test_creating_an_item_needs_a_product(client, rita, valued):
    client.force_login(rita)
    client.post("/triage/", {"ideas": [valued["idea"].pk], "action": "create_item"})
    assert not BacklogItem.objects.exists()


def test_customers_never_see_values_or_the_queue(client, alice, nora, mona, valued):
    for visitor in (alice, nora, mona):
        client.force_login(visitor)
        for url in [
            "/triage/",
            "/backlog/",
            "/backlog/export.json",
            "/segments/",
            "/segments/pros/",
            "/segments/pros/members/",
            "/customers/import/",
        ]:
            assert client.get(url).status_code == 403, (visitor, url)
        # Nor on the public pages they may see.
        assert "4321" not in client.get(valued["vip"].get_absolute_url()).content.decode()
        assert "4321" not in client.get(valued["idea"].get_absolute_url()).content.decode()


def test_customer_managers_see_their_own_segments_members_only(client, carl, rita, product, valued):
    client.force_login(carl)
    page = client.get("/segments/pros/members/").content.decode()
    assert "Vip Pro" in page and "4,321.00" in page and "Casual Carol" not in page
    assert client.get("/segments/casual/members/").status_code == 403
    # The segment index links only to the members pages they may open.
    index = client.get("/segments/").content.decode()
    assert "/segments/pros/members/" in index and "/segments/casual/members/" not in index
    # On an item page the Casual supporter is counted but not named, and no CLV of theirs shows.
    item = BacklogItem.objects.create(product=product, title="Power", created_by=rita)
    item.ideas.add(valued["idea"])
    page = client.get(f"/backlog/items/{item.pk}/").content.decode()
    assert "Vip Pro" in page and "Casual Carol" not in page
    assert "1 more supporter is counted above but not listed" in page
    # R&D sees every segment's members.
    client.force_login(rita)
    assert client.get("/segments/casual/members/").status_code == 200
    page = client.get(f"/backlog/items/{item.pk}/").content.decode()
    assert "Vip Pro" in page and "Casual Carol" in page


def test_only_rnd_and_administrators_change_weights(client, rita, carl, valued):
    client.force_login(carl)
    assert client.post("/backlog/weights/", {"reach_basis": "customers"}).status_code == 403
    client.force_login(rita)
    data = {
        "reach_basis": "customers",
        "reach_weight": "0.5",
        "impact_weight": "1",
        "confidence_weight": "1",
        "effort_weight": "0",
    }
    assert client.post("/backlog/weights/", data).status_code == 302
    weights = PriorityWeights.load()
    assert (weights.reach_basis, str(weights.reach_weight), weights.updated_by) == ("customers", "0.50", rita)
    client.post("/backlog/weights/", {**data, "effort_weight": "7"})  # out of range: refused
    assert PriorityWeights.load().effort_weight == 0


def test_item_edit(client, rita, carl, product):
    client.force_login(rita)
    response = client.post(
        "/backlog/items/new/",
        {
            "product": product.pk,
            "title": "Night mode",
            "status": "planned",
            "effort_estimate": "3",
            "impact": "2",
            "confidence": "0.5",
            "target_release": "2027.1",
        },
    )
    item = BacklogItem.objects.get()
    assert response["Location"] == item.get_absolute_url() and item.created_by == rita
    response = client.post(
        f"/backlog/items/{item.pk}/edit/",
        {
            "product": product.pk,
            "title": "Night mode",
            "status": "planned",
            "effort_estimate": "0",
            "impact": "2",
            "confidence": "0.5",
        },
    )
    assert response.status_code == 400  # effort must be positive
    client.force_login(carl)
    assert client.get(f"/backlog/items/{item.pk}/edit/").status_code == 403


def test_exports_are_spreadsheet_safe(client, rita, product):
    BacklogItem.objects.create(product=product, title='=HYPERLINK("http://evil")', created_by=rita)
    client.force_login(rita)
    response = client.get("/backlog/export.csv")
    assert response["Content-Disposition"].startswith("attachment")
    assert "'=HYPERLINK" in response.content.decode()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def grow(segments, product, rita, n):
    pros, casual = segments
    for k in range(n):
        member = MemberFactory()
        member.segments.add(pros if k % 2 else casual)
        idea = make_idea(title=f"Idea {k}", tags=["t"])
        vote_cast(member=member, idea_id=idea.pk)
        item = BacklogItem.objects.create(
            product=ProductFactory() if k % 3 else product, title=f"I{k}", created_by=rita
        )
        item.ideas.add(make_idea(title=f"Linked {k}"))


@pytest.mark.parametrize(
    "url, expected",
    [
        # session, MFA check and permissions (the member is cached), then the page's own fixed set
        # triage and segment pages: +1, the voters per segment (representative demand, silent segments)
        ("/triage/", 12),
        # backlog: +1 customers asked through sales/support (backlog.proxy), +1 the experts' scores behind
        # the items' confidence (also in the JSON export)
        ("/backlog/", 11),
        ("/backlog/export.json", 9),
        ("/segments/", 7),
        # 18: the follow button asks whether the viewer follows the segment; the shipped items' outcomes
        # (backlog.outcomes.segment_outcomes: one query, then two per shipped item, ten items at most);
        # the voters per segment (representative demand, silent segments)
        ("/segments/pros/", 18),
        ("/segments/pros/members/", 7),
    ],
)
def test_list_pages_have_a_fixed_number_of_queries(
    member_cache, client, rita, segments, product, url, expected
):
    client.force_login(rita)
    PriorityWeights.load()
    grow(segments, product, rita, 3)
    client.get(url)  # the first request of a session writes it
    small = queries(client, url)
    grow(segments, product, rita, 6)
    assert (small, queries(client, url)) == (expected, expected)


def test_pages_keep_the_content_security_policy(client, rita, valued, product):
    """Charts are SVG markup with classes: no inline style attributes, no inline scripts."""
    item = BacklogItem.objects.create(product=product, title="Power", created_by=rita)
    item.ideas.add(valued["idea"])
    client.force_login(rita)
    for url in ["/triage/", "/backlog/", "/segments/", "/segments/pros/", f"/backlog/items/{item.pk}/"]:
        page = client.get(url).content.decode()
        assert not re.search(r"\sstyle=", page), url
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url
    assert "<svg" in client.get("/segments/").content.decode()


def test_seed_backlog_demo(rita, capsys):
    from django.core.management import call_command

    for n in range(4):
        make_idea(title=f"Demo {n}")
    call_command("seed_backlog_demo")
    assert BacklogItem.objects.count() == 2
    assert sum(item.ideas.count() for item in BacklogItem.objects.all()) == 4
    call_command("seed_backlog_demo")  # once only
    assert BacklogItem.objects.count() == 2 and "nothing to do" in capsys.readouterr().out


def test_segment_dashboard_charts_its_top_needs_with_a_name(client, rita, valued):
    """The chart was drawn with no rows and an empty accessible name (axe: svg-img-alt)."""
    client.force_login(rita)
    page = client.get("/segments/pros/").content.decode()
    svg = re.search(r'<svg class="chart-svg chart-share"[^>]*>', page).group(0)
    assert 'role="img"' in svg
    assert 'aria-label="Share of this segment&#x27;s members behind each top need"' in svg
    assert "<title>Longer battery: 100.0\xa0%</title>" in page
