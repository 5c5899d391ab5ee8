"""The customer department (issue 20 parts 7 and 8): the chief customer officer, market estimates, the
customer overview with its monthly trends, next best offers and their contacts, and who sees any of it."""

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backlog.equity_share import customer_overview, customer_snapshot_take, market_estimate_record
from backlog.models import CustomerRecord, CustomerSnapshot, MarketEstimate, OfferContact, Transaction
from backlog.offers import FIT_ASKED, FIT_PRODUCT, FIT_SEGMENT, next_best_offers
from cocreate.charts import line_chart
from community import permissions
from community.models import Segment
from community.services import member_export_data
from ideas.models import Idea
from operations import schedule
from prototypes.models import BetaSignup, Prototype
from tests.factories import MemberFactory, make_idea
from voting.services import vote_cast

pytestmark = pytest.mark.django_db


def record(member, external_id, segment, *, clv, p_alive=None, margin=None, email=""):
    return CustomerRecord.objects.create(
        member=member,
        email=email or (member.email if member else f"{external_id.lower()}@example.com"),
        external_id=external_id,
        segment=segment,
        clv=clv,
        margin_per_period=margin,
        p_alive=p_alive,
        imported_at=timezone.now(),
    )


@pytest.fixture
def customers(segments, carl):
    """Pros: two customers worth 300 and 100 (margins 30, 10); Casual: one worth 50. Carl manages Pros."""
    pros, casual = segments
    pros.managers.add(carl)
    ann = MemberFactory(username="ann", display_name="Ann Pro")
    ann.segments.add(pros)
    a = record(ann, "C-1", pros, clv="300.00", p_alive=0.5, margin="30.00")
    b = record(None, "C-2", pros, clv="100.00", p_alive=None, margin="10.00")
    c = record(None, "C-3", casual, clv="50.00", p_alive=0.9)
    return {"ann": ann, "a": a, "b": b, "c": c}


# The role ------------------------------------------------------------------------------------------


def test_the_chief_customer_officer_reads_every_segment_and_changes_nothing(cora):
    assert cora.is_staff and not cora.is_superuser
    reads = [
        permissions.may_view_segment_dashboards,
        permissions.may_see_member_values,
        permissions.may_see_all_member_values,
        permissions.may_view_clv_fits,
        permissions.may_see_customers_at_risk,
        permissions.may_view_customer_overview,
        permissions.may_see_every_customer,
    ]
    writes = [
        permissions.may_import_customers,
        permissions.may_run_clv_fit,
        permissions.may_keep_market_estimates,
        permissions.may_record_offer_contacts,
        permissions.may_manage_backlog,
        permissions.may_triage,
        permissions.may_assign_segments,
        permissions.may_grant_roles,
        permissions.may_change_status,
        permissions.may_post_official,
        permissions.may_moderate,
        permissions.may_view_backlog,
    ]
    assert all(predicate(cora) for predicate in reads)
    assert not any(predicate(cora) for predicate in writes)


CCO_PAGES = {
    # read: 200
    "/segments/": 200,
    "/segments/pros/": 200,
    "/segments/pros/members/": 200,
    "/customers/clv/": 200,
    "/customers/at-risk/": 200,
    "/customers/overview/": 200,
    "/customers/market-estimates/": 200,
    "/customers/outreach/": 200,
    "/customers/outreach.csv": 200,
    # change: refused
    "/customers/import/": 403,
    "/customers/transactions/import/": 403,
    "/backlog/": 403,
    "/triage/": 403,
    "/backlog/plan/": 403,
}


def test_the_chief_customer_officers_pages(client, cora, customers):
    client.force_login(cora)
    assert {url: client.get(url).status_code for url in CCO_PAGES} == CCO_PAGES
    refused = {
        "/customers/clv/refit/": {},
        "/customers/market-estimates/": {"segment": customers["a"].segment_id, "customers": 10},
        "/customers/outreach/contacts/": {"customer": customers["a"].pk, "kind": "feature", "target": 1},
    }
    for url, data in refused.items():
        assert client.post(url, data).status_code == 403, url
    assert not MarketEstimate.objects.exists() and not OfferContact.objects.exists()


def test_administrators_grant_the_role_from_the_staff_pages(client, adam):
    member = MemberFactory(username="newcco")
    client.force_login(adam)
    page = client.get(f"/staff/members/{member.pk}/")
    assert b'value="cco"' in page.content
    client.post(f"/staff/members/{member.pk}/roles/", {"role": "cco", "action": "grant"})
    member.refresh_from_db()
    assert member.is_staff and permissions.may_view_customer_overview(member)


def test_customers_never_see_the_customer_pages(client, alice, customers):
    client.force_login(alice)
    for url in (
        "/customers/overview/",
        "/customers/market-estimates/",
        "/customers/outreach/",
        "/customers/outreach.csv",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"C-1" not in response.content


# Market estimates and the overview -----------------------------------------------------------------


def test_customer_equity_share_per_segment_and_in_total(customers, segments):
    pros, casual = segments
    market_estimate_record(
        segment=pros,
        customers=20,
        mean_clv=Decimal("100"),
        total_equity=None,
        as_of=date(2026, 10, 1),
        source="Analyst report",
        recorded_by=None,
    )
    overview = customer_overview()
    figures = dict(overview.segments)
    # Pros: equity 300 + 100 = 400 of a market of 20 × 100 = 2,000 → 20 %.
    assert figures[pros].equity == Decimal("400.00")
    assert figures[pros].mean_clv == Decimal("200.00")
    assert figures[pros].margin == Decimal("40.00")
    assert figures[pros].market_equity == Decimal("2000.00")
    assert figures[pros].share == Decimal("0.2000")
    # Casual has no estimate: no share, and it stays out of the total share.
    assert figures[casual].share is None and overview.unestimated == [casual]
    assert overview.total.equity == Decimal("450.00") and overview.total.customers == 3
    assert overview.total_share == Decimal("0.2000")
    # A newer estimate (total equity given) counts; the older one stays as history.
    market_estimate_record(
        segment=casual,
        customers=1000,
        mean_clv=None,
        total_equity=Decimal("1000"),
        as_of=date(2026, 11, 1),
        source="Survey",
        recorded_by=None,
    )
    market_estimate_record(
        segment=pros,
        customers=40,
        mean_clv=Decimal("50"),
        total_equity=None,
        as_of=date(2026, 11, 1),
        source="Second report",
        recorded_by=None,
    )
    overview = customer_overview()
    figures = dict(overview.segments)
    assert figures[pros].estimate.source == "Second report" and figures[pros].share == Decimal("0.2000")
    assert figures[casual].share == Decimal("0.0500")
    assert overview.total_share == Decimal("0.1500")  # (400 + 50) ÷ (2,000 + 1,000)
    assert MarketEstimate.objects.filter(segment=pros).count() == 2


def test_revenue_counts_the_last_twelve_months(customers, segments):
    pros, _casual = segments
    today = timezone.localdate()
    for days, amount in ((10, "70.00"), (400, "999.00")):
        Transaction.objects.create(
            customer=customers["a"],
            occurred_on=today - timedelta(days=days),
            amount=amount,
            batch="00000000-0000-0000-0000-000000000001",
            imported_at=timezone.now(),
        )
    assert dict(customer_overview().segments)[pros].revenue_12m == Decimal("70.00")


def test_customer_managers_keep_estimates_for_their_segments_only(client, carl, adam, customers, segments):
    pros, casual = segments
    client.force_login(carl)
    data = {"customers": 20, "mean_clv": "100", "as_of": "2026-10-01", "source": "Analyst report"}
    assert client.post("/customers/market-estimates/", {**data, "segment": pros.pk}).status_code == 302
    response = client.post("/customers/market-estimates/", {**data, "segment": casual.pk})
    assert response.status_code == 400 and MarketEstimate.objects.count() == 1
    client.force_login(adam)
    assert client.post("/customers/market-estimates/", {**data, "segment": casual.pk}).status_code == 302
    assert MarketEstimate.objects.count() == 2


@pytest.mark.parametrize(
    "bad, error",
    [
        ({"mean_clv": ""}, b"mean CLV or the total market equity"),
        ({"mean_clv": "-5"}, b"cannot be negative"),
        ({"as_of": "2999-01-01"}, b"in the future"),
        ({"customers": "-1"}, b"customers"),
    ],
)
def test_bad_estimates_are_refused_with_a_reason(client, adam, segments, bad, error):
    client.force_login(adam)
    data = {
        "segment": segments[0].pk,
        "customers": 20,
        "mean_clv": "100",
        "as_of": "2026-10-01",
        "source": "x",
    }
    response = client.post("/customers/market-estimates/", {**data, **bad})
    assert response.status_code == 400 and error in response.content
    assert not MarketEstimate.objects.exists()


def test_the_overview_links_the_three_levels_and_draws_trends(client, cora, customers, segments):
    pros, _casual = segments
    CustomerSnapshot.objects.create(
        month=date(2026, 9, 1),
        taken_at=timezone.now(),
        figures={"total": {"equity": "100", "share": "0.1", "customers": 2}, "segments": {}},
    )
    customer_snapshot_take()
    client.force_login(cora)
    page = client.get("/customers/overview/").content.decode()
    assert (
        'href="/segments/pros/"' in page and 'href="/segments/pros/members/"' in page
    )  # segment, individuals
    assert page.count('class="chart-svg chart-line"') >= 6
    assert "2026-09" in page and "<polyline" in page
    dashboard = client.get("/segments/pros/").content.decode()
    assert 'href="/customers/overview/"' in dashboard  # segment → aggregate


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_overview_pins_its_queries(client, cora, customers, segments, django_assert_num_queries):
    with django_assert_num_queries(4):  # segments, customers' sums, revenue, estimates
        customer_overview()
    for month in (7, 8, 9, 10):
        CustomerSnapshot.objects.create(month=date(2026, month, 1), taken_at=timezone.now(), figures={})
    client.force_login(cora)
    client.get("/customers/overview/")  # the session's first request writes it
    before = page_queries(client, "/customers/overview/")
    third = Segment.objects.create(name="Third", slug="third", clv_override=5, market_size=10)
    record(None, "C-9", third, clv="5.00")
    market_estimate_record(
        segment=third,
        customers=5,
        mean_clv=Decimal("1"),
        total_equity=None,
        as_of=date(2026, 1, 1),
        source="x",
        recorded_by=None,
    )
    CustomerSnapshot.objects.create(month=date(2026, 6, 1), taken_at=timezone.now(), figures={})
    assert page_queries(client, "/customers/overview/") == before


# Snapshots -------------------------------------------------------------------------------------------


def test_a_snapshot_a_month_taken_again_replaces_it(customers):
    first = customer_snapshot_take(today=date(2026, 11, 3))
    record(None, "C-4", None, clv="25.00")
    again = customer_snapshot_take(today=date(2026, 11, 20))
    assert first.pk == again.pk and CustomerSnapshot.objects.count() == 1
    assert again.figures["total"]["customers"] == 4 and again.figures["total"]["equity"] == "475.00"
    customer_snapshot_take(today=date(2026, 12, 1))
    assert list(CustomerSnapshot.objects.values_list("month", flat=True)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
    ]


def test_the_command_and_the_scheduler_take_the_monthly_snapshot(customers, capsys):
    job = schedule.JOBS["backlog.customer_snapshot"]
    assert job.when() is True
    call_command("take_customer_snapshot")
    call_command("take_customer_snapshot")
    assert CustomerSnapshot.objects.count() == 1 and "3 customers" in capsys.readouterr().out
    assert job.when() is False


def test_line_chart_geometry():
    chart = line_chart([("2026-08", 100), ("2026-09", None), ("2026-10", 200)], title="Equity")
    assert [p.label for p in chart.points] == ["2026-08: 100.00", "2026-10: 200.00"]
    assert chart.points[1].y < chart.points[0].y  # higher value, higher on the page
    assert chart.ticks[0].shown == "0.00"
    assert line_chart([("2026-08", None)], title="Equity").is_empty
    with pytest.raises(ValueError):
        line_chart([], title=" ")


def test_charts_scale_to_hold_their_highest_and_lowest_values():
    """Decimal's // truncates towards zero: the axis once ended at 1,000 under a value of 1,300, and the
    line left the chart (seen in the browser, tests/browser/test_customer_value_pages.py)."""
    from cocreate.charts import column_chart

    for rows in ([("a", 0), ("b", 1300), ("c", 1200)], [("a", 240), ("b", 240)], [("a", -130), ("b", 40)]):
        chart = line_chart(rows, title="Equity")
        top, bottom = chart.ticks[-1].y, chart.ticks[0].y
        assert all(top <= p.y <= bottom for p in chart.points), rows
        assert all(p.x + 30 <= chart.width for p in chart.points)  # room for the month label
    columns = column_chart([("7+", [Decimal("3.15"), Decimal("2.8")])], series=["a", "b"], title="Holdout")
    assert columns.ticks[-1].shown == "4.00"


# Next best offer -------------------------------------------------------------------------------------


@pytest.fixture
def offers_world(customers, segments, rita, product):
    pros, casual = segments
    ann = customers["ann"]
    shipped = make_idea(title="Longer battery", product=product)
    vote_cast(member=ann, idea_id=shipped.pk)
    Idea.objects.filter(pk=shipped.pk).update(status=Idea.Status.SHIPPED)
    unshipped = make_idea(title="Wider lens")
    vote_cast(member=ann, idea_id=unshipped.pk)

    def prototype(title, **kwargs):
        return Prototype.objects.create(
            title=title, status=Prototype.Status.PUBLISHED, created_by=rita, beta_seats=5, **kwargs
        )

    linked = prototype("Battery beta")
    linked.linked_ideas.add(unshipped)
    same_product = prototype("Camera app", product=product)
    for_pros = prototype("Pro workflow")
    for_pros.target_segments.add(pros)
    for_casual = prototype("Casual mode")
    for_casual.target_segments.add(casual)
    prototype("Draft one").delete()  # gone, and drafts never show
    closed = prototype(
        "Closed one",
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() - timedelta(days=1),
    )
    closed.target_segments.add(pros)
    return {
        "shipped": shipped,
        "linked": linked,
        "same_product": same_product,
        "for_pros": for_pros,
        "for_casual": for_casual,
    }


def test_offers_are_ranked_by_clv_times_p_alive_times_fit(offers_world, customers, segments):
    offers = next_best_offers(segments=Segment.objects.all())
    rows = [(o.customer.external_id, o.target.title, o.fit, o.expected_value) for o in offers]
    assert [r[3] for r in rows] == sorted((r[3] for r in rows), reverse=True)
    # Ann: CLV 300 × P(alive) 0.5 = 150 × fit; C-2 has no fit yet, so P(alive) counts 1 (100 × fit) and,
    # without an account, only their segment matches; C-3: 50 × 0.9 × 0.3. Closed and other segments' out.
    assert {(r[0], r[1]): (r[2], r[3]) for r in rows} == {
        ("C-1", "Longer battery"): (FIT_ASKED, Decimal("150.00")),
        ("C-1", "Battery beta"): (FIT_ASKED, Decimal("150.00")),
        ("C-1", "Camera app"): (FIT_PRODUCT, Decimal("75.00")),
        ("C-1", "Pro workflow"): (FIT_SEGMENT, Decimal("45.00")),
        ("C-2", "Pro workflow"): (FIT_SEGMENT, Decimal("30.00")),
        ("C-3", "Casual mode"): (FIT_SEGMENT, Decimal("13.50")),
    }


def test_a_customer_who_asked_by_proxy_is_offered_what_shipped_until_withdrawn(offers_world, customers, rita):
    """C-2 has no account, so never voted: R&D recorded that they asked for the battery on a sales call."""
    from backlog.proxy import proxy_demand_record, proxy_demand_withdraw

    def offered():
        return {
            (o.customer.external_id, o.target.title): o.fit
            for o in next_best_offers(segments=Segment.objects.all())
        }

    assert ("C-2", "Longer battery") not in offered()
    asked = proxy_demand_record(
        actor=rita,
        idea=offers_world["shipped"],
        customer=customers["b"],
        source="sales_call",
        note="Asked twice",
    )
    assert offered()[("C-2", "Longer battery")] == FIT_ASKED
    proxy_demand_withdraw(actor=rita, record=asked, reason="Misheard")
    assert ("C-2", "Longer battery") not in offered()


def test_a_contact_takes_the_offer_off_the_list_for_good(client, carl, offers_world, customers):
    client.force_login(carl)
    data = {
        "customer": customers["a"].pk,
        "kind": "feature",
        "target": offers_world["shipped"].pk,
        "channel": "call",
        "note": "Told her it shipped",
    }
    assert client.post("/customers/outreach/contacts/", data).status_code == 302
    page = client.get("/customers/outreach/").content.decode()
    assert f'data-offer="feature-{offers_world["shipped"].pk}"' not in page
    assert f'data-offer="prototype-{offers_world["linked"].pk}"' in page
    again = client.post("/customers/outreach/contacts/", data)
    assert again.status_code == 400 and b"already brought this offer" in again.content
    assert OfferContact.objects.count() == 1
    with pytest.raises(IntegrityError):
        OfferContact.objects.create(
            customer=customers["a"],
            kind="feature",
            target_id=offers_world["shipped"].pk,
            target_title="x",
            channel="email",
        )


def test_contacts_only_for_their_segments_and_real_targets(client, carl, offers_world, customers):
    client.force_login(carl)
    casual = {
        "customer": customers["c"].pk,
        "kind": "prototype",
        "target": offers_world["for_casual"].pk,
        "channel": "email",
    }
    assert client.post("/customers/outreach/contacts/", casual).status_code == 403
    unknown = {"customer": customers["a"].pk, "kind": "feature", "target": 999999, "channel": "email"}
    response = client.post("/customers/outreach/contacts/", unknown)
    assert response.status_code == 400 and b"no such shipped feature" in response.content
    assert not OfferContact.objects.exists()
    # Carl's list holds his segment's customers only.
    page = client.get("/customers/outreach/").content.decode()
    assert 'data-customer="C-1"' in page and 'data-customer="C-3"' not in page


def test_joined_betas_are_not_offered(offers_world, customers):
    BetaSignup.objects.create(prototype=offers_world["linked"], member=customers["ann"], state="seated")
    titles = {
        o.target.title
        for o in next_best_offers(segments=Segment.objects.all())
        if o.customer.pk == customers["a"].pk
    }
    assert "Battery beta" not in titles and "Longer battery" in titles


def test_the_outreach_csv_is_spreadsheet_safe(client, adam, offers_world, customers):
    CustomerRecord.objects.filter(pk=customers["b"].pk).update(email="=cmd@example.com")
    client.force_login(adam)
    response = client.get("/customers/outreach.csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["external_id", "email", "segment"]
    assert ["C-2", "'=cmd@example.com", "Pros", "prototype", "Pro workflow"] == rows[
        1 + [r[0] for r in rows[1:]].index("C-2")
    ][:5]
    assert len(rows) == 7


def test_the_outreach_list_pins_its_queries(
    client, adam, offers_world, customers, segments, rita, django_assert_num_queries
):
    with django_assert_num_queries(10):  # 10: the requests recorded by proxy (backlog.proxy)
        next_best_offers(segments=Segment.objects.all())
    client.force_login(adam)
    client.get("/customers/outreach/")  # the session's first request writes it
    before = page_queries(client, "/customers/outreach/")
    more = MemberFactory(username="more")
    record(more, "C-7", segments[0], clv="10.00", p_alive=0.5)
    vote_cast(member=more, idea_id=offers_world["shipped"].pk)
    extra = Prototype.objects.create(title="Another", status="published", created_by=rita, beta_seats=1)
    extra.target_segments.add(segments[0])
    assert page_queries(client, "/customers/outreach/") == before


def test_the_member_export_holds_contacts_about_them(carl, offers_world, customers):
    OfferContact.objects.create(
        customer=customers["a"],
        kind="feature",
        target_id=offers_world["shipped"].pk,
        target_title="Longer battery",
        channel="call",
        note="Told her",
        contacted_by=carl,
    )
    exported = json.loads(json.dumps(member_export_data(customers["ann"]), default=str))
    contacts = exported["customer_record"][0]["offer_contacts"]
    assert contacts == [
        {
            "offer": "feature",
            "about": "Longer battery",
            "channel": "call",
            "note": "Told her",
            "at": contacts[0]["at"],
        }
    ]
