"""First impressions in real Chromium: a compact header on a phone, fields large enough that iOS does not
zoom, and a refused post that comes back with a live countdown."""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from ..factories import MemberFactory, make_idea
from .live import BrowserTestCase

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

FONT_SIZES = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e.name || e.type, parseFloat(getComputedStyle(e).fontSize)])"""


class HeaderAndFieldsTest(BrowserTestCase):
    def test_the_logged_in_header_is_compact_on_a_phone_and_every_field_is_16px(self):
        member = MemberFactory(display_name="Alice Appleby")
        idea = make_idea(title="Offline maps over Wi-Fi")
        page = self.staff_page(member)
        page.set_viewport_size(PHONE)
        page.goto("/ideas/")
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 100, header  # it was 186 px: four wrapped rows
        assert page.evaluate("document.documentElement.scrollWidth") == 390
        # Every link is still there, on one row that scrolls sideways.
        expect(page.locator(".site-header").get_by_role("link", name="Alice Appleby")).to_be_attached()
        small = {}
        for url in ("/ideas/", "/ideas/new/", idea.get_absolute_url(), "/no/such/page/"):
            page.goto(url)
            small[url] = [field for field in page.evaluate(FONT_SIZES) if field[1] < 16]
        assert small == {url: [] for url in small}
        page.set_viewport_size(DESKTOP)
        page.goto("/ideas/")
        assert page.locator(".site-header").bounding_box()["height"] <= 80
        # The 404 page's own status is logged as a failed resource; nothing else may fail.
        assert [error for error in page.js_errors if "status of 404" not in error] == []


@override_settings(RATE_LIMIT_SCALE=0.1)  # a trusted member may post 1 idea a minute instead of 10
class RateLimitedFormTest(BrowserTestCase):
    def test_a_second_idea_in_a_minute_comes_back_in_its_form_with_a_countdown(self):
        member = MemberFactory()
        page = self.staff_page(member)
        page.set_viewport_size(PHONE)
        for title in ("Dark mode for the maps", "Bigger buttons in the camera"):
            page.goto("/ideas/new/")
            page.get_by_label("Title").fill(title)
            page.get_by_label("Description").fill(f"{title}, please.")
            with page.expect_navigation() as navigation:
                page.get_by_role("button", name=re.compile("Post")).last.click()
        assert navigation.value.status == 429
        expect(page.get_by_label("Title")).to_have_value("Bigger buttons in the camera")
        expect(page.get_by_label("Description")).to_have_value("Bigger buttons in the camera, please.")
        clock = page.locator("[data-countdown-clock]")
        first = clock.inner_text()
        assert re.fullmatch(r"\d:\d\d", first)
        page.wait_for_timeout(2100)
        # Counting down in the page (static/js/countdown.js); the minute's window may end meanwhile.
        shown = page.locator("[data-countdown]").inner_text()
        assert first not in shown and ("You can send it again in" in shown or shown == "You can send it now.")
        assert [error for error in page.js_errors if "status of 429" not in error] == []
