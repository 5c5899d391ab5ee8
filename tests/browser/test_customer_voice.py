"""Customer requests in real Chromium: a customer manager finds a CRM customer without an account, records
that they asked for an idea, sees it counted apart from votes on the backlog item, and withdraws it; the
pages do not scroll sideways on a phone."""

import pytest
from django.utils import timezone

from backlog.models import BacklogItem, CustomerRecord, ProxyDemand
from community.roles import Role
from voting.services import vote_cast

from ..factories import MemberFactory, ProductFactory, SegmentFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles
from .live import BrowserTestCase

pytestmark = pytest.mark.browser


class CustomerVoiceTest(BrowserTestCase):
    def test_record_see_and_withdraw_a_customer_request(self):
        ensure_roles()
        carl = with_totp(
            with_role(MemberFactory(username="carl", display_name="Carl CM"), Role.CUSTOMER_MANAGER)
        )
        pros = SegmentFactory(name="Pros", slug="pros", clv_override=500, market_size=1000)
        pros.managers.add(carl)
        voter = MemberFactory()
        voter.segments.add(pros)
        idea = make_idea(title="Longer battery")
        vote_cast(member=voter, idea_id=idea.pk)
        item = BacklogItem.objects.create(product=ProductFactory(), title="Power", created_by=carl)
        item.ideas.add(idea)
        CustomerRecord.objects.create(
            external_id="BOLT-7",
            email="buyer@bolt.example",
            segment=pros,
            clv=2500,
            imported_at=timezone.now(),
        )

        page = self.staff_page(carl)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"/backlog/ideas/{idea.pk}/customers/")
        page.get_by_label("Find the customer by external id, email or name").fill("buyer@bolt.example")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="BOLT-7").click()
        page.get_by_label("Where they asked").select_option("support_ticket")
        page.get_by_label("Note").fill("Ticket 12: battery dies by noon")
        page.get_by_label("Link").fill("https://support.example.com/tickets/12")
        page.get_by_role("button", name="Record the request").click()
        page.wait_for_load_state()
        assert "Recorded: customer BOLT-7 asked for this idea." in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.goto(f"/backlog/items/{item.pk}/")
        voice = page.get_by_role("table", name="Member votes and customer requests")
        assert voice.locator("tr", has_text="Supporters").inner_text().split() == [
            "Supporters",
            "1",
            "1",
            "2",
        ]
        assert "Ticket 12: battery dies by noon" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.get_by_label("Why withdraw it?").fill("Wrong idea")
        page.get_by_role("button", name="Withdraw").click()
        page.wait_for_load_state()
        assert "Withdrawn: it no longer counts in demand." in page.content()
        assert ProxyDemand.objects.get().withdrawal_reason == "Wrong idea"
        assert page.js_errors == [], page.js_errors
