"""Prototype variants side by side in real Chromium: columns on a desktop, a row to swipe on a phone; a
pin placed with the keyboard alone; the confirmation beside the form that was used, in view."""

import tempfile

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from community.roles import Role
from prototypes import services
from prototypes.models import Pin, Variant

from ..factories import MemberFactory, with_role, with_totp
from ..prototypes.helpers import ensure_roles, png_upload
from .live import BrowserTestCase

pytestmark = pytest.mark.browser


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="cocreate-side-by-side-media-"))
class SideBySideTest(BrowserTestCase):
    def world(self):
        ensure_roles()
        rnd = with_totp(with_role(MemberFactory(username="rita"), Role.RND))
        prototype = services.prototype_create(created_by=rnd, title="Pocket camera", beta_seats=5)
        for name, color in (
            ("Classic", (30, 90, 200)),
            ("Compact", (200, 90, 30)),
            ("Minimal", (40, 160, 90)),
        ):
            services.variant_add(
                prototype=prototype, by=rnd, name=name, kind=Variant.Kind.SCREENS,
                screen_files=[png_upload(size=(360, 640), color=color)],
            )  # fmt: skip
        services.prototype_publish(prototype=prototype, by=rnd)
        return prototype, self.staff_page(MemberFactory(display_name="Alice A."))

    def test_variants_stand_side_by_side_on_a_desktop_and_swipe_on_a_phone(self):
        prototype, page = self.world()
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(prototype.get_absolute_url())
        boxes = [page.locator(".variant").nth(n).bounding_box() for n in range(3)]
        assert len({round(box["y"]) for box in boxes}) == 1  # one row
        assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
        assert boxes[2]["x"] + boxes[2]["width"] <= 1366

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(prototype.get_absolute_url())
        assert page.evaluate("document.documentElement.scrollWidth") == 390  # the page itself does not move
        grid = page.locator(".variant-grid")
        assert grid.evaluate("e => getComputedStyle(e).scrollSnapType").startswith("x")
        assert grid.evaluate("e => e.scrollWidth > e.clientWidth + 300")  # the others are a swipe away
        first = page.locator(".variant").first.bounding_box()
        assert first["width"] < 390 and first["x"] >= 0
        grid.evaluate("e => e.scrollBy({left: e.clientWidth, behavior: 'instant'})")
        page.wait_for_timeout(300)
        second = page.locator(".variant").nth(1).bounding_box()
        assert 0 <= second["x"] < 60, second  # snapped to the start of the next variant
        assert page.js_errors == []

    def test_a_pin_is_placed_with_the_keyboard_and_confirmed_beside_its_form(self):
        prototype, page = self.world()
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(prototype.get_absolute_url())
        form = page.locator("[data-pin-form]").first
        # Without a point, "Pin comment" says what to do instead of doing nothing.
        form.get_by_label("Your comment on this screen").fill("Too far from the thumb")
        form.get_by_role("button", name="Pin comment").click()
        expect(form.locator("[data-pin-hint]")).to_have_text(
            "Choose a point first: click the screen, move the point with the arrow keys, or type it below."
        )
        assert Pin.objects.count() == 0
        # The screen has the focus now: the first arrow puts the point in the middle, the next ones move it
        # (2 %, with Shift 10 %); Enter goes on to the text.
        screen = page.get_by_role("img", name="Screen 1 of Classic")
        expect(screen).to_be_focused()
        for key in ["ArrowRight"] * 5 + ["ArrowDown"] * 2:
            page.keyboard.press(key)
        page.keyboard.press("Shift+ArrowDown")
        expect(form.locator("[data-pin-hint]")).to_have_text("Pinned at 58% across, 64% down.")
        page.keyboard.press("Enter")
        expect(form.get_by_label("Your comment on this screen")).to_be_focused()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        confirmation = page.get_by_text("Your comment is pinned to the screen.")
        expect(confirmation).to_be_in_viewport()
        pin = Pin.objects.get()
        assert (round(pin.x, 2), round(pin.y, 2)) == (0.58, 0.64) and pin.body == "Too far from the thumb"
        # The confirmation stands beside the pin form of that screen, not at the top of the page.
        assert page.locator(f"#done-screen-{pin.screen_id}").get_by_text("pinned to the screen").count() == 1
        assert page.locator("main > .messages").count() == 0
        # The pin list numbers each pin once ("1." from the list), as on its marker.
        assert page.locator("ol.pins li").first.inner_text().startswith("Too far from the thumb")

        # Typing the point works too.
        form = page.locator("[data-pin-form]").nth(1)
        form.locator("[data-pin-x]").fill("0.1")
        form.locator("[data-pin-y]").fill("0.2")
        expect(form.locator("[data-pin-hint]")).to_have_text("Pinned at 10% across, 20% down.")
        assert page.js_errors == []

    def test_a_rating_is_confirmed_in_view_beside_its_variant(self):
        prototype, page = self.world()
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(prototype.get_absolute_url())
        rating = page.get_by_role("form", name="Rate Classic")
        rating.get_by_label("4", exact=True).check()
        rating.get_by_label("Yes", exact=True).check()
        rating.get_by_role("button", name="Rate Classic").click()
        expect(page.get_by_text("Thanks, your rating of Classic is saved.")).to_be_in_viewport()
        expect(page.locator(".variant").first.get_by_text("You rated it")).to_be_visible()
        leave = page.get_by_role("button", name="Join the beta")
        leave.click()
        expect(page.get_by_text("You have a seat in the beta.").first).to_be_in_viewport()
        button = page.get_by_role("button", name="Leave the beta")
        assert "secondary" in button.get_attribute("class")
        assert page.js_errors == []
