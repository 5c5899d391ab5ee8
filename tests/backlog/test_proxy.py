"""Customer voice beyond votes (proxy demand): recording, counting once, withdrawing, who may act for whom,
the audit trail, bad input, the pages and their query counts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backlog.demand import Market
from backlog.models import BacklogItem, CustomerRecord, ProxyDemand
from backlog.proxy import (
    customer_search,
    customers_for,
    proxy_demand_attach,
    proxy_demand_record,
    proxy_demand_withdraw,
)
from community import permissions
from moderation.models import AuditEntry
from tests.factories import MemberFactory, make_idea
from voting.services import vote_cast

pytestmark = pytest.mark.django_db


def customer(external_id, *, segment=None, clv="1000.00", member=None, email=""):
    """A CRM customer; without `member`, one with no account in the community."""
    return CustomerRecord.objects.create(
        member=member,
        email=email,
        external_id=external_id,
        segment=segment,
        clv=clv,
        imported_at=timezone.now(),
    )


@pytest.fixture
def voice(segments, carl, product, rita):
    """Carl manages Pros only. Two Pros customers (Vera, a voting member; Bolt, no account), one Casual
    customer without an account, an idea in a backlog item."""
    pros, casual = segments
    pros.managers.add(carl)
    voter = MemberFactory(username="voter", display_name="Vera Voter", email="vera@example.com")
    voter.segments.add(pros)
    idea = make_idea(title="Longer battery")
    other_idea = make_idea(title="Brighter screen")
    vote_cast(member=voter, idea_id=idea.pk)
    item = BacklogItem.objects.create(product=product, title="Power", created_by=rita)
    item.ideas.add(idea, other_idea)
    return {
        "pros": pros,
        "casual": casual,
        "idea": idea,
        "other_idea": other_idea,
        "item": item,
        "voter": voter,
        "vera": customer("ACME-1", segment=pros, clv="4000.00", member=voter),
        "bolt": customer("BOLT-7", segment=pros, clv="2500.00", email="buyer@bolt.example"),
        "cato": customer("CATO-3", segment=casual, clv="300.00"),
    }


def record(actor, idea, cust, source="sales_call", note="Asked on the call", link=""):
    return proxy_demand_record(actor=actor, idea=idea, customer=cust, source=source, note=note, link=link)


def test_requests_count_apart_from_votes_and_each_customer_once(voice, rita):
    idea = voice["idea"]
    record(rita, idea, voice["bolt"])
    record(rita, idea, voice["bolt"], source="support_ticket")  # same customer, second source: once
    record(rita, idea, voice["cato"], source="interview")
    record(rita, idea, voice["vera"])  # her member up-voted: counted once, with the votes
    demand = proxy_demand_attach(Market().idea_demand([idea]), by="idea")[idea.pk]
    assert demand.supporters == 1  # Vera's vote, at her imported CLV
    assert demand.customer_equity == 4000
    assert demand.proxy_customers == 2  # Bolt and Cato
    assert demand.proxy_equity == 2800  # 2 500 + 300
    assert demand.total_supporters == 3
    assert demand.total_equity == 6800


def test_backlog_item_counts_a_customer_once_across_its_ideas(voice, rita):
    idea, other = voice["idea"], voice["other_idea"]
    record(rita, idea, voice["bolt"])
    record(rita, other, voice["bolt"])
    # Vera voted on one of the item's ideas and is recorded for the other: still only a vote.
    record(rita, other, voice["vera"])
    item = voice["item"]
    demand = proxy_demand_attach(Market().item_demand([item]), by="item")[item.pk]
    assert (demand.supporters, demand.proxy_customers, demand.proxy_equity) == (1, 1, 2500)
    assert demand.total_equity == 6500


def test_withdrawn_requests_stop_counting_and_are_kept(voice, rita):
    idea = voice["idea"]
    kept = record(rita, idea, voice["bolt"])
    proxy_demand_withdraw(actor=rita, record=kept, reason="Wrong customer")
    demand = proxy_demand_attach(Market().idea_demand([idea]), by="idea")[idea.pk]
    assert demand.proxy_customers == 0
    kept.refresh_from_db()
    assert kept.withdrawn_by == rita and kept.withdrawal_reason == "Wrong customer"
    # Withdrawing twice is refused, saying who did it first.
    with pytest.raises(ValidationError, match="already withdrawn by Rita R&D"):
        proxy_demand_withdraw(actor=rita, record=kept)
    # Once withdrawn, it may be recorded again.
    again = record(rita, idea, voice["bolt"])
    assert ProxyDemand.objects.filter(customer=voice["bolt"]).count() == 2 and again.pk != kept.pk


def test_recording_and_withdrawing_are_audited_without_customer_value(voice, carl):
    made = record(carl, voice["idea"], voice["bolt"], link="https://crm.example.com/t/12")
    proxy_demand_withdraw(actor=carl, record=made, reason="Duplicate of the ticket")
    entries = list(AuditEntry.objects.filter(kind="proxy_demand", object_id=made.pk).order_by("id"))
    assert [e.action for e in entries] == ["proxy_record", "proxy_withdraw"]
    assert entries[0].actor == carl and entries[0].reason == "Asked on the call"
    assert entries[0].after == {
        "idea_id": voice["idea"].pk,
        "customer": "BOLT-7",
        "source": "sales_call",
        "link": "https://crm.example.com/t/12",
    }
    assert entries[1].reason == "Duplicate of the ticket"
    assert "2500" not in str(entries[0].after)


def test_bad_input_is_refused_with_reasons(voice, rita):
    idea, bolt = voice["idea"], voice["bolt"]
    with pytest.raises(ValidationError) as bad:
        record(rita, idea, bolt, source="rumour", note="  ", link="javascript:alert(1)")
    assert set(bad.value.message_dict) == {"source", "note", "link"}
    with pytest.raises(ValidationError, match="Keep the link under"):
        record(rita, idea, bolt, link="https://example.com/" + "a" * 500)
    record(rita, idea, bolt)
    with pytest.raises(ValidationError, match="Rita R&D already recorded that customer BOLT-7"):
        record(rita, idea, bolt, note="Asked again")
    assert ProxyDemand.objects.count() == 1
    merged = make_idea(title="Duplicate")
    from ideas.services import idea_merge

    idea_merge(source=merged, target=idea, merged_by=rita, note="Same")
    merged.refresh_from_db()
    with pytest.raises(ValidationError, match="merged"):
        record(rita, merged, bolt)


def test_the_database_keeps_one_live_record_per_customer_idea_source(voice, rita):
    made = record(rita, voice["idea"], voice["bolt"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ProxyDemand.objects.create(
            idea=made.idea, customer=made.customer, source=made.source, note="x", recorded_by=rita
        )


@pytest.mark.parametrize(
    "persona, bolt_pros, cato_casual",
    [
        ("rita", True, True),  # R&D: every customer
        ("adam", True, True),  # administrators: every customer
        ("carl", True, False),  # customer manager of Pros only
        ("mona", False, False),  # moderators: none
        ("alice", False, False),  # customers: none
    ],
)
def test_who_may_record_for_whom(request, voice, persona, bolt_pros, cato_casual):
    user = request.getfixturevalue(persona)
    bolt, cato = voice["bolt"], voice["cato"]
    assert permissions.may_record_proxy_demand_for(user, bolt) is bolt_pros
    assert permissions.may_record_proxy_demand_for(user, cato) is cato_casual
    # The queryset form agrees with the predicate.
    allowed = set(customers_for(user).values_list("external_id", flat=True))
    assert {"BOLT-7", "CATO-3"} & allowed == {
        n for n, ok in (("BOLT-7", bolt_pros), ("CATO-3", cato_casual)) if ok
    }
    for cust, ok in ((bolt, bolt_pros), (cato, cato_casual)):
        if ok:
            proxy_demand_withdraw(actor=user, record=record(user, voice["idea"], cust))
        else:
            with pytest.raises(PermissionDenied):
                record(user, voice["idea"], cust)


def test_a_manager_may_not_withdraw_for_another_segment(voice, rita, carl):
    made = record(rita, voice["idea"], voice["cato"])
    with pytest.raises(PermissionDenied):
        proxy_demand_withdraw(actor=carl, record=made)
    made.refresh_from_db()
    assert made.withdrawn_at is None


def test_customer_search(voice, rita, carl):
    assert [c.external_id for c in customer_search(viewer=rita, query="bolt")] == ["BOLT-7"]
    assert [c.external_id for c in customer_search(viewer=rita, query="vera@example.com")] == ["ACME-1"]
    assert [c.external_id for c in customer_search(viewer=rita, query="Vera")] == ["ACME-1"]
    # A customer without an account: by the CRM's email.
    assert [c.external_id for c in customer_search(viewer=rita, query="BUYER@bolt.example")] == ["BOLT-7"]
    assert customer_search(viewer=rita, query="C") == []  # too short
    # Carl finds only Pros customers.
    assert customer_search(viewer=carl, query="CATO") == []
    assert [c.external_id for c in customer_search(viewer=carl, query="BOLT")] == ["BOLT-7"]
    # An exact external id ranks first.
    customer("BOLT-70", segment=voice["pros"])
    assert [c.external_id for c in customer_search(viewer=rita, query="bolt-7")] == ["BOLT-7", "BOLT-70"]


# Pages ------------------------------------------------------------------------------------------------


def page_url(idea):
    return f"/backlog/ideas/{idea.pk}/customers/"


def test_recording_from_the_page(client, voice, carl):
    client.force_login(carl)
    idea = voice["idea"]
    found = client.get(page_url(idea), {"q": "BOLT"}).content.decode()
    assert "BOLT-7" in found and "CATO-3" not in found
    chosen = client.get(page_url(idea), {"q": "BOLT", "customer": voice["bolt"].pk}).content.decode()
    assert "Record the request" in chosen
    data = {
        "customer": voice["bolt"].pk,
        "source": "support_ticket",
        "note": "Ticket 12",
        "link": "https://t.example.com/12",
    }
    response = client.post(page_url(idea), data)
    assert response.status_code == 302
    made = ProxyDemand.objects.get()
    assert (made.customer, made.source, made.recorded_by, made.link) == (
        voice["bolt"],
        "support_ticket",
        carl,
        "https://t.example.com/12",
    )
    page = client.get(page_url(idea)).content.decode()
    assert "Ticket 12" in page and "Asked through sales/support" in page
    # The same again: refused with the reason, nothing added.
    again = client.post(page_url(idea), data)
    assert again.status_code == 400 and "already recorded that customer BOLT-7" in again.content.decode()
    assert ProxyDemand.objects.count() == 1


def test_page_bad_input(client, voice, carl):
    client.force_login(carl)
    idea = voice["idea"]
    # A customer outside Carl's segments: 403, nothing recorded.
    outside = {"customer": voice["cato"].pk, "source": "sales_call", "note": "x"}
    assert client.post(page_url(idea), outside).status_code == 403
    # An unknown customer, a bad URL, a missing note: 400 with the reasons.
    response = client.post(
        page_url(idea), {"customer": 999999, "source": "sales_call", "note": "", "link": "not a url at all"}
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert (
        "There is no such customer" in text
        and "Enter a valid URL" in text
        and "This field is required" in text
    )
    assert client.post(page_url(idea), {"customer": "99999999999999999999999"}).status_code == 400
    assert ProxyDemand.objects.count() == 0
    # Choosing a customer outside the segments by URL shows nothing of them.
    page = client.get(page_url(idea), {"customer": voice["cato"].pk}).content.decode()
    assert "outside the segments you manage" in page and "CATO-3" not in page


def test_withdrawing_from_the_page(client, voice, carl, rita):
    mine = record(carl, voice["idea"], voice["bolt"])
    theirs = record(rita, voice["idea"], voice["cato"])
    client.force_login(carl)
    url = f"/backlog/customer-requests/{mine.pk}/withdraw/"
    assert client.post(url, {"reason": "Mistake"}).status_code == 302
    twice = client.post(url, {"reason": "Again"})
    assert twice.status_code == 409 and "already withdrawn by Carl CM" in twice.content.decode()
    assert client.post(f"/backlog/customer-requests/{theirs.pk}/withdraw/").status_code == 403
    assert client.post(url, {"reason": "x" * 501}).status_code == 400
    assert client.get(url).status_code == 405
    assert client.post("/backlog/customer-requests/999999/withdraw/").status_code == 404


def test_item_page_shows_votes_and_requests_apart_and_hides_other_segments(client, voice, rita, carl):
    record(rita, voice["idea"], voice["bolt"], note="Bolt wants it")
    record(rita, voice["idea"], voice["cato"], note="Cato wants it")
    client.force_login(carl)
    page = client.get(f"/backlog/items/{voice['item'].pk}/").content.decode()
    assert "Member votes" in page and "Asked through sales/support" in page and "Combined" in page
    assert "Bolt wants it" in page and "Cato wants it" not in page
    assert "1 more request from customers of segments you do not manage" in page
    client.force_login(rita)
    page = client.get(f"/backlog/items/{voice['item'].pk}/").content.decode()
    assert "Bolt wants it" in page and "Cato wants it" in page


# Pinned: the idea's customers page and the backlog item page, whatever the number of requests (SQLite;
# PostgreSQL ran one query fewer in the set-up before the page; the page's own count is the same).
IDEA_PAGE_QUERIES = 11
ITEM_PAGE_QUERIES = 21  # 21 with the experts' scores behind confidence (issue 21)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_page_queries_do_not_grow_with_requests(client, voice, rita):
    client.force_login(rita)
    idea = voice["idea"]
    item_url = f"/backlog/items/{voice['item'].pk}/"
    for url in (page_url(idea), item_url):
        client.get(url)  # warm the session and permission caches
    first = (count_queries(client, page_url(idea)), count_queries(client, item_url))
    assert first[0] <= IDEA_PAGE_QUERIES and first[1] <= ITEM_PAGE_QUERIES
    for n in range(2):
        for k in range(3):
            cust = customer(f"MORE-{n}-{k}", segment=voice["pros"] if k % 2 else voice["casual"])
            record(rita, idea, cust)
            record(rita, voice["other_idea"], cust, source="survey")
        assert (count_queries(client, page_url(idea)), count_queries(client, item_url)) == first


def test_a_members_export_has_the_requests_recorded_for_their_customer_record(client, voice, rita):
    made = record(rita, voice["idea"], voice["vera"], source="interview", link="https://notes.example.com/1")
    proxy_demand_withdraw(actor=rita, record=made, reason="She meant another idea")
    record(rita, voice["other_idea"], voice["vera"], source="survey", note="Ticked it in the survey")
    record(rita, voice["idea"], voice["bolt"])  # another customer: not in Vera's export
    client.force_login(voice["voter"])
    data = client.get("/members/me/export/").json()
    requests = data["customer_requests"]
    assert [(r["idea_title"], r["source"], r["note"]) for r in requests] == [
        ("Longer battery", "interview", "Asked on the call"),
        ("Brighter screen", "survey", "Ticked it in the survey"),
    ]
    assert requests[0]["link"] == "https://notes.example.com/1"
    assert requests[0]["withdrawn_at"] and requests[0]["withdrawal_reason"] == "She meant another idea"
    assert requests[1]["withdrawn_at"] is None
    # Nothing about value or who recorded it.
    assert "4000" not in str(requests) and "Rita" not in str(requests)


def test_account_deletion_unlinks_the_customer_and_their_requests_still_count(client, voice, rita):
    vera = voice["voter"]
    record(rita, voice["other_idea"], voice["vera"], source="survey")
    vera.set_password("correct horse battery")
    vera.save(update_fields=["password"])
    client.force_login(vera)
    response = client.post("/members/me/delete/", {"password": "correct horse battery", "confirm": "on"})
    assert response.status_code == 302
    cust = CustomerRecord.objects.get(external_id="ACME-1")
    assert cust.member_id is None
    assert ProxyDemand.objects.filter(customer=cust).count() == 1
    demand = proxy_demand_attach(Market().idea_demand([voice["other_idea"]]), by="idea")
    assert demand[voice["other_idea"].pk].proxy_customers == 1


@pytest.mark.parametrize(
    "persona, shown", [("rita", True), ("carl", True), ("adam", True), ("mona", False), ("alice", False)]
)
def test_the_idea_page_links_staff_who_may_record(request, client, voice, persona, shown):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(voice["idea"].get_absolute_url()).content.decode()
    assert (page_url(voice["idea"]) in page) is shown


def test_backlog_list_shows_requests_apart(client, voice, rita):
    record(rita, voice["idea"], voice["bolt"])
    record(rita, voice["other_idea"], voice["cato"])
    client.force_login(rita)
    page = client.get("/backlog/").content.decode()
    assert "Asked through sales/support" in page
    row = page[page.index(f'id="item-{voice["item"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert ">2 · " in row  # Bolt and Cato, apart from Vera's vote


def test_a_predicted_clv_is_the_value_that_counts(voice, rita):
    bolt = voice["bolt"]
    CustomerRecord.objects.filter(pk=bolt.pk).update(predicted_clv="3100.00")
    record(rita, voice["idea"], bolt)
    demand = proxy_demand_attach(Market().idea_demand([voice["idea"]]), by="idea")[voice["idea"].pk]
    assert demand.proxy_equity == 3100  # predicted from purchases, not the imported 2 500
