"""The customer-value pages (issue 20) in real Chromium, each as the persona who uses it, on a desktop
(1280×800) and a phone (375×740): the figures a user reads, charts with an accessible name, no sideways
scroll, forms that answer next to themselves, and no axe (WCAG 2.x A/AA) violation.

The world is realistic: 240 customers with simulated purchase histories (backlog.clv_simulation), a CLV
fit run on them, monthly snapshots, a market estimate, customer requests and a shipped idea. Screenshots
go to $CLVUI_SHOTS/clvui-shots (default: the temporary directory), outside the repository, to look at.
"""

import os
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from backlog.clv_models import clv_fit_create, clv_fit_run
from backlog.clv_simulation import simulate
from backlog.equity_share import customer_snapshot_take, market_estimate_record
from backlog.models import BacklogItem, CLVFit, CustomerRecord, MarketEstimate, OfferContact, Transaction
from backlog.proxy import proxy_demand_record
from community.roles import Role
from ideas.models import Idea
from voting.services import vote_cast

from ..factories import MemberFactory, ProductFactory, SegmentFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles
from .live import BrowserTestCase

pytestmark = pytest.mark.browser

AXE = Axe()
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}
SHOTS = Path(os.environ.get("CLVUI_SHOTS") or tempfile.gettempdir()) / "clvui-shots"
# The page's own message, not the live announcer of base.html (also role=status, visually hidden).
MESSAGE = "[role=status]:not([data-live-announcer])"
END = date(2025, 12, 28)  # the simulated histories end here (they start on 2024-01-01)


# Flagged at risk: P(alive) below one half and at least 50 of CLV if they stayed (simulated spend is ~20
# a purchase, so the default 100 would flag almost nobody).
@override_settings(CLV_AT_RISK_MAX_P_ALIVE=0.5, CLV_AT_RISK_MIN_CLV="50")
class CustomerValuePagesTest(BrowserTestCase):
    def world(self):
        ensure_roles()
        carl = with_totp(
            with_role(MemberFactory(username="carl", display_name="Carl CM"), Role.CUSTOMER_MANAGER)
        )
        cora = with_totp(with_role(MemberFactory(username="cora", display_name="Cora CCO"), Role.CCO))
        rita = with_totp(with_role(MemberFactory(username="rita", display_name="Rita R&D"), Role.RND))
        pros = SegmentFactory(
            name="Professional photographers", slug="pros", discount_rate="0.1", market_size=12_500
        )
        casual = SegmentFactory(
            name="Casual shooters", slug="casual", discount_rate="0.1", market_size=250_000
        )
        pros.managers.add(carl)
        now = timezone.now()
        ann = MemberFactory(username="ann", display_name="Ann Pro", email="ann@example.com")
        ann.segments.add(pros)
        records = CustomerRecord.objects.bulk_create(
            CustomerRecord(
                external_id=f"C-{n:04d}",
                email=f"c{n}@example.com",
                segment=pros if n % 2 else casual,
                clv=1,
                imported_at=now,
            )
            for n in range(240)
        )
        records[1].member = ann
        records[1].save(update_fields=["member"])
        Transaction.objects.bulk_create(
            Transaction(
                customer=records[customer],
                occurred_on=day,
                amount=Decimal(str(amount)) * 40,  # cameras and lenses, not coffee
                batch="00000000-0000-0000-0000-000000000001",
                imported_at=now,
            )
            for customer, day, amount in simulate(240, weeks=104, seed=5)
            if day <= END
        )
        today = timezone.localdate()
        customer_snapshot_take(today=today - timedelta(days=62))  # before the fit: formula values
        fit = clv_fit_run(fit=clv_fit_create(window_end=END, horizon_months=12))
        assert fit.status == CLVFit.Status.SUCCEEDED, fit.message
        market_estimate_record(
            segment=pros,
            customers=12_500,
            mean_clv=Decimal("1800"),
            total_equity=None,
            as_of=today - timedelta(days=40),
            source="Photo industry association, 2025 survey",
            recorded_by=carl,
        )
        customer_snapshot_take(today=today - timedelta(days=31))
        customer_snapshot_take(today=today)

        camera = ProductFactory(name="Camera", slug="camera", team="Imaging")
        battery = make_idea(title="Longer battery life for all-day shoots", product=camera)
        vote_cast(member=ann, idea_id=battery.pk)
        Idea.objects.filter(pk=battery.pk).update(status=Idea.Status.SHIPPED)
        lens = make_idea(title="Weather sealing for the kit lens", product=camera)
        for record in (records[3], records[5]):
            proxy_demand_record(
                actor=carl, idea=battery, customer=record, source="sales_call", note="Asked at the fair"
            )
        item = BacklogItem.objects.create(
            product=camera, title="Battery grip", created_by=rita, effort_estimate=Decimal("4")
        )
        item.ideas.add(battery)
        other = BacklogItem.objects.create(
            product=camera, title="Sealed lens", created_by=rita, effort_estimate=Decimal("6")
        )
        other.ideas.add(lens)
        return {"carl": carl, "cora": cora, "rita": rita, "pros": pros, "records": records, "item": item,
                "lens": lens, "battery": battery, "fit": fit}  # fmt: skip

    # What every page must pass, at both sizes.

    def look(self, page, path, name):
        """Open `path` at each viewport: 200, no sideways scroll, no axe violation; a screenshot each."""
        found = []
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            response = page.goto(path)
            assert response.status == 200, (path, response.status)
            widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], f"{path} scrolls sideways at {size}: {widths}"
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
            results = AXE.run(page, options=WCAG_AA)
            assert results.response["passes"], f"axe checked nothing on {path}"
            found += [
                f"{path} ({size}): {v['id']} ({len(v['nodes'])}): {v['nodes'][0]['target']}"
                for v in results.response["violations"]
            ]
        assert found == [], found
        assert page.js_errors == [], page.js_errors

    def chart(self, page, name):
        chart = page.get_by_role("img", name=name, exact=True)
        expect(chart).to_be_visible()
        return chart

    # The pages

    def test_clv_fits_as_the_customer_manager_and_a_refit(self):
        world = self.world()
        page = self.staff_page(world["carl"])
        self.look(page, "/customers/clv/", "clv")
        expect(page.get_by_role("heading", name="The fit in use")).to_be_visible()
        self.chart(
            page, "Repeat purchases in the holdout period, by repeat purchases in the calibration period"
        )
        facts = page.locator("dl.facts")
        expect(facts).to_contain_text("240")  # customers
        segments = page.get_by_role("table", name="Segments and their CLV")
        expect(segments.locator("tr", has_text="Professional photographers")).to_contain_text("€")
        page.get_by_role("button", name="Refit now").click()
        expect(page.locator(MESSAGE)).to_contain_text("The refit is queued")
        expect(page.get_by_role("heading", level=1)).to_contain_text("CLV fit")
        self.look(page, page.url.removeprefix(self.live_server_url), "clv-fit")

    def test_the_clv_page_before_any_fit_says_what_to_do(self):
        ensure_roles()
        carl = with_totp(with_role(MemberFactory(username="carl"), Role.CUSTOMER_MANAGER))
        SegmentFactory(name="Pros", slug="pros")
        page = self.staff_page(carl)
        self.look(page, "/customers/clv/", "clv-empty")
        expect(page.get_by_text("No fit yet: import transactions, then Refit now.")).to_be_visible()

    def test_transactions_import_confirms_and_shows_errors_next_to_the_form(self):
        world = self.world()
        page = self.staff_page(world["carl"])
        self.look(page, "/customers/transactions/import/", "transactions-import")
        good = b"external_id,date,amount\nC-0001,2025-11-03,249.00\nC-0003,2025-11-04,1299.50\n"
        page.get_by_label("Transactions (CSV, UTF-8)").set_input_files(
            {"name": "november.csv", "mimeType": "text/csv", "buffer": good}
        )
        page.get_by_role("button", name="Import").click()
        report = page.locator(".import-report")
        expect(report.get_by_role("heading", name="Imported")).to_be_visible()
        expect(report.locator("[role=status]")).to_contain_text("new transactions: 2")
        bad = b"external_id,date,amount\nC-0001,2025-11-03,abc\nNOBODY,2025-11-04,10\n"
        page.get_by_label("Transactions (CSV, UTF-8)").set_input_files(
            {"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}
        )
        page.get_by_role("button", name="Import").click()
        expect(report.get_by_role("alert")).to_contain_text("2 rows are invalid; nothing was imported.")
        expect(page.get_by_role("table", name="Invalid rows")).to_be_visible()
        page.set_viewport_size(VIEWPORTS["phone"])
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "transactions-import-errors-phone.png"), full_page=True)
        assert AXE.run(page, options=WCAG_AA).response["violations"] == []

    def test_customers_at_risk_as_the_customer_manager(self):
        world = self.world()
        page = self.staff_page(world["carl"])
        self.look(page, "/customers/at-risk/", "at-risk")
        at_risk = CustomerRecord.objects.filter(at_risk=True, segment=world["pros"]).order_by(
            "-value_at_risk"
        )
        assert at_risk.exists()
        first = at_risk.first()
        row = page.locator(f"tr[data-customer='{first.external_id}']")
        expect(row).to_contain_text("%")
        expect(row).to_contain_text("€")
        # Carl manages only the professionals: no casual shooter in his list.
        expect(page.locator("tbody", has_text="Casual shooters")).to_have_count(0)

    def test_the_chief_customer_officers_overview_and_estimates(self):
        world = self.world()
        page = self.staff_page(world["cora"])
        self.look(page, "/customers/overview/", "overview")
        kpis = page.get_by_role("list", name="Customer figures, all segments")
        expect(kpis).to_contain_text("240")
        expect(kpis).to_contain_text("€")
        self.chart(page, "Customer equity")
        self.chart(page, "Customer equity: Professional photographers")
        row = page.locator("tr[data-segment='pros']")
        expect(row).to_contain_text("Photo industry association")
        expect(row).to_contain_text("%")
        # Read-only: no form to record an estimate, no contact buttons.
        self.look(page, "/customers/market-estimates/", "estimates-cco")
        expect(page.get_by_role("button", name="Record the estimate")).to_have_count(0)
        expect(page.get_by_role("table", name="Every estimate, newest first")).to_contain_text("12,500")
        self.look(page, "/customers/outreach/", "outreach-cco")
        expect(page.get_by_role("button", name="Contacted")).to_have_count(0)

    def test_market_estimates_confirm_and_refuse_next_to_the_form(self):
        world = self.world()
        page = self.staff_page(world["carl"])
        self.look(page, "/customers/market-estimates/", "estimates")
        page.get_by_label("Segment").select_option(label="Professional photographers")
        page.get_by_label("Customers in the market").fill("13000")
        page.get_by_label("As of").fill(str(timezone.localdate()))
        page.get_by_label("Source").fill("Trade fair head count")
        page.get_by_role("button", name="Record the estimate").click()
        expect(page.get_by_role("alert").first).to_contain_text("Give the customers' mean CLV")
        page.get_by_label("Mean CLV").fill("1750")
        page.get_by_role("button", name="Record the estimate").click()
        expect(page.locator(MESSAGE)).to_contain_text("Estimate recorded")
        assert MarketEstimate.objects.filter(source="Trade fair head count").exists()
        expect(page.get_by_role("table", name="Every estimate, newest first")).to_contain_text("13,000")

    def test_outreach_as_the_customer_manager_records_a_contact_and_exports(self):
        world = self.world()
        page = self.staff_page(world["carl"])
        self.look(page, "/customers/outreach/", "outreach")
        rows = page.locator("tr[data-offer]")
        expect(rows.first).to_contain_text("Longer battery life")
        count = rows.count()
        csv = page.request.get("/customers/outreach.csv")
        assert csv.status == 200 and csv.text().splitlines()[0].startswith("external_id,email,segment")
        assert len(csv.text().splitlines()) == count + 1
        first = rows.first
        customer = first.get_attribute("data-customer")
        first.get_by_label("Channel").select_option(index=1)
        first.get_by_label("Note").fill("Called: will try the grip")
        first.get_by_role("button", name="Contacted").click()
        expect(page.locator(MESSAGE)).to_contain_text(f"Contact recorded: {customer}")
        assert OfferContact.objects.filter(customer__external_id=customer).exists()
        expect(page.locator("tr[data-offer]")).to_have_count(count - 1)

    def test_customer_requests_release_planner_and_dashboards(self):
        world = self.world()
        carl_page = self.staff_page(world["carl"])
        self.look(carl_page, f"/backlog/ideas/{world['lens'].pk}/customers/", "customer-requests")
        carl_page.get_by_label("Find the customer by external id, email or name").fill("C-0007")
        carl_page.get_by_role("button", name="Search").click()
        carl_page.get_by_role("link", name="C-0007").click()
        carl_page.get_by_label("Where they asked").select_option("interview")
        carl_page.get_by_role("button", name="Record the request").click()
        # The browser asks for the note next to the field, before anything is sent.
        assert carl_page.get_by_label("Note").evaluate("field => field.validity.valueMissing")
        carl_page.get_by_label("Note").fill("Shoots in the rain every week")
        carl_page.get_by_role("button", name="Record the request").click()
        expect(carl_page.get_by_text("Recorded: customer C-0007 asked for this idea.")).to_be_visible()

        rita = self.staff_page(world["rita"])
        self.look(rita, "/backlog/plan/", "planner")
        rita.get_by_label("Capacity (person-weeks)").fill("5")
        rita.get_by_role("button", name="Plan", exact=True).click()
        self.chart(rita, "What each plan captures: extrapolated customer equity")
        widths = rita.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1]
        self.look(rita, f"/backlog/items/{world['item'].pk}/", "item")
        expect(rita.get_by_role("table", name="Member votes and customer requests")).to_be_visible()
        self.look(rita, "/segments/pros/", "segment")
        outcomes = rita.get_by_role("region", name="After release: did shipping what they asked keep them?")
        expect(outcomes).to_contain_text("No shipped item that this segment asked for yet.")
