"""Staff pages in real Chromium: nothing scrolls sideways on a 390 px phone, idea titles get room on a
desktop, and triage shows only the chosen action's fields and finds the original of a duplicate."""

import pytest
from playwright.sync_api import expect

from backlog.models import BacklogItem
from community.roles import Role
from ideas import evaluation, workflow
from ideas.models import Idea
from voting.services import vote_cast

from ..factories import MemberFactory, ProductFactory, SegmentFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles
from .live import BrowserTestCase

# The page's own message, not the live announcer of base.html (also role=status, visually hidden).
MESSAGE = "[role=status]:not([data-live-announcer])"

pytestmark = pytest.mark.browser

LONG = "Let the camera keep shooting timelapses overnight without draining the battery completely"


class StaffLayoutTest(BrowserTestCase):
    def world(self):
        ensure_roles()
        adam = with_totp(
            with_role(MemberFactory(username="adam", email="adam@example.com"), Role.ADMINISTRATOR)
        )
        segment = SegmentFactory(
            name="Professional photographers", slug="pros", clv_override=421214, market_size=1000
        )
        product = ProductFactory(name="Camera", slug="camera")
        ideas = [make_idea(title=f"{LONG} {n}") for n in range(3)]
        for idea in ideas:
            member = MemberFactory()
            member.segments.add(segment)
            vote_cast(member=member, idea_id=idea.pk)
        item = BacklogItem.objects.create(product=product, title=LONG, created_by=adam)
        workflow.workflow_customise(product=product, by=adam)  # its statuses' forms on a phone too
        evaluation.criterion_add(product=product, by=adam, name="Strategic fit with the camera line")
        item.ideas.add(ideas[0])
        return adam, segment, item

    def staff_urls(self, segment, item):
        return [
            "/workspace/",
            "/triage/",
            "/backlog/",
            f"/backlog/items/{item.pk}/",
            f"/backlog/items/{item.pk}/edit/",
            "/backlog/items/new/",
            "/segments/",
            f"/segments/{segment.slug}/",
            f"/segments/{segment.slug}/members/",
            "/customers/import/",
            "/staff/workflows/",
            "/staff/workflows/camera/",
            "/staff/evaluation/",
            "/staff/evaluation/camera/",
        ]

    def test_no_staff_page_scrolls_sideways_on_a_phone_and_titles_get_room_on_a_desktop(self):
        adam, segment, item = self.world()
        page = self.staff_page(adam)
        page.set_viewport_size({"width": 390, "height": 844})
        widths = {}
        for url in self.staff_urls(segment, item):
            response = page.goto(url)
            assert response.status == 200, url
            widths[url] = page.evaluate("document.documentElement.scrollWidth")
        assert {url: w for url, w in widths.items() if w > 390} == {}

        page.set_viewport_size({"width": 1366, "height": 900})
        for url in ("/triage/", "/backlog/", f"/backlog/items/{item.pk}/", f"/segments/{segment.slug}/"):
            page.goto(url)
            cell = page.locator("td.title-cell").first
            assert cell.bounding_box()["width"] > 200, url
        assert page.js_errors == [], page.js_errors

    def test_triage_shows_the_chosen_action_and_finds_the_original_by_search(self):
        adam, segment, item = self.world()
        original = Idea.objects.get(title=f"{LONG} 1")
        duplicate = make_idea(title="Overnight timelapse mode")
        page = self.staff_page(adam)
        page.goto("/triage/")
        decline = page.locator('[data-action-fields="decline"]')
        duplicates = page.locator('[data-action-fields="duplicate"]')
        expect(decline).to_be_hidden()
        page.get_by_label("Decline").check()
        expect(decline).to_be_visible()
        expect(duplicates).to_be_hidden()
        expect(page.get_by_label("Reason for declining")).to_have_attribute("required", "")

        # Keyboard (listed on the page): j moves to the first idea (the newest), x checks it, 5 chooses
        # "Mark as duplicates".
        page.locator("h1").click()
        page.keyboard.press("j")
        page.keyboard.press("x")
        expect(page.get_by_label(duplicate.title)).to_be_checked()
        page.keyboard.press("5")
        expect(duplicates).to_be_visible()
        expect(decline).to_be_hidden()
        page.get_by_label("Find the original idea").press_sequentially("camera keep shooting", delay=20)
        duplicates.get_by_role("button", name=f"#{original.pk}").first.click()
        expect(page.get_by_label("Original idea number")).to_have_value(str(original.pk))
        page.get_by_label("Why they are duplicates").fill("Same overnight timelapse ask")
        page.get_by_role("button", name="Apply to the checked ideas").click()
        expect(page.locator(MESSAGE)).to_contain_text("Merged 1 idea into")
        expect(page.locator(MESSAGE).get_by_role("link", name=original.title)).to_be_visible()
        assert Idea.objects.get(pk=duplicate.pk).status == Idea.Status.MERGED
        assert page.js_errors == [], page.js_errors
