"""Release planning in real Chromium: plan within capacity, see both plans and the chart, save the release;
the planner and the release do not scroll sideways on a phone."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from backlog.models import BacklogItem, Release
from community.roles import Role
from voting.services import vote_cast

from ..factories import MemberFactory, ProductFactory, SegmentFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles
from .live import BrowserTestCase

pytestmark = pytest.mark.browser


class ReleasePlanningTest(BrowserTestCase):
    def world(self):
        ensure_roles()
        rita = with_totp(with_role(MemberFactory(username="rita", email="rita@example.com"), Role.RND))
        segment = SegmentFactory(name="Pros", slug="pros", clv_override=1000, market_size=1000)
        fans = [MemberFactory() for _ in range(3)]
        for fan in fans:
            fan.segments.add(segment)
        camera = ProductFactory(name="Camera", slug="camera", team="Imaging")
        items = {}
        # Top score first takes "Night mode" (6 weeks) and nothing else fits in 10; the optimum takes the
        # two 5-week items.
        for title, effort, supporters in [
            ("Night mode for moving subjects", "6", 3),
            ("Faster autofocus", "5", 2),
            ("Share to phone", "5", 2),
            ("Holograms", None, 1),
        ]:
            item = BacklogItem.objects.create(
                product=camera, title=title, created_by=rita, effort_estimate=effort and Decimal(effort)
            )
            idea = make_idea(title=f"Idea: {title}")
            item.ideas.add(idea)
            for fan in fans[:supporters]:
                vote_cast(member=fan, idea_id=idea.pk)
            items[title] = item
        return rita, items

    def test_plan_within_capacity_and_save_the_release(self):
        rita, items = self.world()
        page = self.staff_page(rita)
        page.goto("/backlog/plan/")
        expect(page.get_by_role("heading", name="Not estimated: cannot be planned")).to_be_visible()
        expect(page.get_by_role("link", name="Holograms")).to_be_visible()
        page.get_by_label("Capacity (person-weeks)").fill("10")
        page.get_by_role("button", name="Plan", exact=True).click()
        expect(page.get_by_role("heading", name="The plans")).to_be_visible()
        chart = page.get_by_role("img", name="What each plan captures: extrapolated customer equity")
        expect(chart).to_be_visible()
        optimal = page.locator("h3:has-text('Optimal plan') + .table-scroll")
        expect(optimal).to_contain_text("Faster autofocus")
        expect(optimal).to_contain_text("Share to phone")
        expect(optimal).not_to_contain_text("Night mode")
        greedy = page.locator("h3:has-text('Top score first') + .table-scroll")
        expect(greedy).to_contain_text("Night mode")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_label("Release name").fill("Spring")
        page.get_by_label("Version").fill("2.0")
        page.get_by_role("button", name="Save release").click()
        expect(page.get_by_role("heading", name="Spring 2.0")).to_be_visible()
        release = Release.objects.get()
        assert {i.title for i in release.items.all()} == {"Faster autofocus", "Share to phone"}
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.js_errors == [], page.js_errors

    def test_a_refused_plan_says_why(self):
        rita, items = self.world()
        page = self.staff_page(rita)
        page.goto("/backlog/plan/")
        page.get_by_label("Capacity (person-weeks)").fill("4")
        page.get_by_label("Must-have: Faster autofocus").check()
        page.get_by_role("button", name="Plan", exact=True).click()
        expect(page.get_by_role("alert").first).to_contain_text("The must-haves do not fit")
