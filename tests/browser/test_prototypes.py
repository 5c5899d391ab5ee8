"""Prototypes in real Chromium: a customer rates, compares and pins feedback that R&D then sees; and an
uploaded HTML bundle cannot reach the site's cookies or API."""

import json
import tempfile

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from community.roles import Role
from prototypes import services
from prototypes.models import Comparison, Pin, Rating, Variant

from ..factories import MemberFactory, with_role, with_totp
from ..prototypes.helpers import ensure_roles, png_upload, zip_upload
from .live import BrowserTestCase

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"

# The bundle's script tries everything a hostile mock-up would and writes what happened into #out.
HOSTILE_INDEX = """<!doctype html><html><head><title>Mock</title><script src="app.js"></script></head>
<body><p id="out">not run</p><script>
(async function () {
  var report = {external: window.externalScriptRan === true};
  try { report.cookie = "read:" + document.cookie; } catch (e) { report.cookie = "blocked:" + e.name; }
  try { report.parent = "read:" + window.parent.document.cookie; }
  catch (e) { report.parent = "blocked:" + e.name; }
  try { localStorage.setItem("x", "1"); report.storage = "open"; }
  catch (e) { report.storage = "blocked:" + e.name; }
  for (const [name, url] of [["api", "/members/me/export/"], ["page", "/prototypes/"]]) {
    try {
      var response = await fetch(url, {credentials: "include"});
      report[name] = "read:" + response.status + ":" + (await response.text()).slice(0, 40);
    } catch (e) { report[name] = "blocked:" + e.name; }
  }
  document.getElementById("out").textContent = JSON.stringify(report);
})();
</script></body></html>"""

APP_JS = "window.externalScriptRan = true;"


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="cocreate-prototypes-media-"))
class PrototypeBrowserTest(BrowserTestCase):
    def make_prototype(self):
        ensure_roles()
        self.rnd = with_totp(with_role(MemberFactory(email="rita@example.com", username="rita"), Role.RND))
        return services.prototype_create(created_by=self.rnd, title="Pocket camera", beta_seats=5)

    def test_customer_rates_compares_and_pins_and_rnd_sees_it_in_the_results(self):
        prototype = self.make_prototype()
        for name, color in (("Classic", (30, 90, 200)), ("Compact", (200, 90, 30))):
            services.variant_add(
                prototype=prototype, by=self.rnd, name=name, kind=Variant.Kind.SCREENS,
                screen_files=[png_upload(size=(400, 300), color=color)],
            )  # fmt: skip
        services.prototype_publish(prototype=prototype, by=self.rnd)
        MemberFactory(email="alice@example.com", username="alice", display_name="Alice A.")

        page = self.new_page()
        self.log_in(page, "alice@example.com", PASSWORD)
        page.get_by_role("link", name="Prototypes").click()
        page.get_by_role("link", name="Pocket camera").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Pocket camera")

        for name, score, use in (("Classic", "4", "Yes"), ("Compact", "2", "No")):
            form = page.get_by_role("form", name=f"Rate {name}")
            form.get_by_label(score, exact=True).check()
            form.get_by_label(use, exact=True).check()
            form.get_by_role("button", name=f"Rate {name}").click()
            expect(page.get_by_text(f"Thanks, your rating of {name} is saved.")).to_be_visible()
        assert sorted(Rating.objects.values_list("score", "would_use")) == [(2, False), (4, True)]

        page.get_by_role("button", name="Pick Compact").click()
        expect(page.get_by_text("You picked Compact.")).to_be_visible()
        assert Comparison.objects.get().winner.name == "Compact"

        screen = page.get_by_role("img", name="Screen 1 of Classic")
        box = screen.bounding_box()
        screen.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.5})
        page.get_by_label("Your comment on this screen").first.fill("The shutter button is hard to reach")
        page.get_by_role("button", name="Pin comment").first.click()
        expect(page.get_by_text("Your comment is pinned to the screen.")).to_be_visible()
        # The marker is drawn on the screen (no link inside the role=img canvas); the list holds the pin.
        expect(page.locator("svg.screen-canvas g.pin-marker")).to_have_count(1)
        expect(page.locator("ol.pins li.pin")).to_contain_text("The shutter button is hard to reach")
        pin = Pin.objects.get()
        assert abs(pin.x - 0.25) < 0.02 and abs(pin.y - 0.5) < 0.02
        assert page.js_errors == []

        rnd = self.staff_page(self.rnd)
        rnd.goto(f"/prototypes/{prototype.pk}/")
        rnd.get_by_role("link", name="Results").click()
        expect(rnd.get_by_role("heading", level=1)).to_have_text("Results: Pocket camera")
        classic = rnd.locator(f"#result-variant-{prototype.variants.get(name='Classic').pk}")
        expect(classic.locator("[data-rating-summary]")).to_contain_text("mean 4.00")
        expect(classic.locator("li[data-pin-at]")).to_contain_text("The shutter button is hard to reach")
        expect(classic.locator("li[data-pin-at]")).to_contain_text("(0.25, 0.50)")
        expect(classic.locator("circle.heat-pin")).to_have_count(1)
        expect(rnd.locator("tr[data-rank='1'] th")).to_have_text("Compact")
        assert rnd.js_errors == []

    def test_an_uploaded_bundle_cannot_read_cookies_or_call_the_api_as_the_viewer(self):
        prototype = self.make_prototype()
        services.variant_add(
            prototype=prototype, by=self.rnd, name="Interactive", kind=Variant.Kind.BUNDLE,
            bundle_file=zip_upload({"index.html": HOSTILE_INDEX, "app.js": APP_JS}),
        )  # fmt: skip
        services.prototype_publish(prototype=prototype, by=self.rnd)
        MemberFactory(email="bob@example.com", username="bob")

        page = self.new_page()
        self.log_in(page, "bob@example.com", PASSWORD)
        page.goto(f"/prototypes/{prototype.pk}/")
        # The site's own page can read its non-HttpOnly cookies (the CSRF token): the bundle must not.
        assert "csrftoken" in page.evaluate("document.cookie")
        frame = page.frame_locator("iframe[data-bundle-frame]")
        expect(frame.locator("#out")).not_to_have_text("not run")
        report = json.loads(frame.locator("#out").text_content())
        assert report["external"] is True, (report, page.js_errors)  # the bundle's own scripts run
        assert report["cookie"].startswith("blocked:"), report
        assert report["parent"].startswith("blocked:"), report
        assert report["storage"].startswith("blocked:"), report
        assert report["api"].startswith("blocked:"), report  # CSP connect: 'none', and an opaque origin
        assert report["page"].startswith("blocked:"), report

        # Opened on its own (not framed), the bundle is still sandboxed by its CSP header.
        direct = self.new_page()
        self.log_in(direct, "bob@example.com", PASSWORD)
        version = prototype.variants.get().current_version
        direct.goto(f"/prototypes/bundles/{version.pk}/index.html")
        expect(direct.locator("#out")).not_to_have_text("not run")
        report = json.loads(direct.locator("#out").text_content())
        assert report["cookie"].startswith("blocked:") and report["api"].startswith("blocked:"), report
