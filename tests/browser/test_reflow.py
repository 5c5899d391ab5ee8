"""Reflow at 320 CSS pixels (WCAG 2.2 SC 1.4.10): at a 320×640 viewport no page scrolls sideways and no
control is cut off at the edge of the screen.

What may scroll sideways is a wide table or a row of variants inside its own region that a keyboard can
reach and a screen reader names (role=region, aria-label or aria-labelledby, tabindex=0), as WCAG allows
for content that needs two dimensions.
"""

import tempfile

import pytest
from django.test import override_settings

from community.roles import Role
from ideas.services import comment_post
from prototypes import services
from prototypes.models import Variant

from ..conftest import ensure_wagtail_site
from ..factories import MemberFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles, png_upload
from .live import BrowserTestCase

pytestmark = pytest.mark.browser

WIDTH = 320

# Controls that stick out of the viewport, and sideways scrolling boxes that are not a labelled region.
REFLOW_PROBLEMS = """(width) => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className ? "." + el.className.trim().replace(/ +/g, ".") : "")
    + " " + (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 40);
  const scroller = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if ((overflow === "auto" || overflow === "scroll") && up.scrollWidth > up.clientWidth) return up;
    }
    return null;
  };
  const named = (el) => el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
  // A labelled region the keyboard reaches; or the header's row of links on a phone, which scrolls inside
  // the labelled main navigation, every item of it focusable (tests/browser/test_first_impressions.py).
  const labelledRegion = (box) =>
    (box.getAttribute("role") === "region" && named(box) && box.getAttribute("tabindex") === "0")
    || (box.parentElement.matches("nav") && named(box.parentElement));
  const seen = new Set();
  for (const el of document.querySelectorAll("button, input, select, textarea, summary, [role=button]")) {
    if (el.type === "hidden" || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest(".visually-hidden")) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width <= 1 && rect.height <= 1) continue;  // visually hidden (a styled radio, say)
    const box = scroller(el);
    if (box) {
      if (!labelledRegion(box) && !seen.has(box)) {
        seen.add(box);
        problems.push("scrolls sideways without being a labelled, focusable region: " + describe(box));
      }
      continue;
    }
    if (rect.left < -1 || rect.right > width + 1) {
      problems.push(`cut off (${Math.round(rect.left)}–${Math.round(rect.right)} px): ` + describe(el));
    }
  }
  return problems;
}"""


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="cocreate-reflow-media-"))
class ReflowTest(BrowserTestCase):
    def world(self):
        ensure_roles()
        ensure_wagtail_site()
        bob = MemberFactory(username="bob", display_name="Bob B.")
        idea = make_idea(
            author=bob,
            title="Let the camera keep shooting timelapses overnight without draining the battery completely",
        )
        idea.tags.add("camera", "battery", "timelapse")
        parent = comment_post(author=bob, idea=idea, body="Please, for the night sky over the mountains.")
        long_link = "https://example.com/" + "a" * 60
        comment_post(author=MemberFactory(), idea=idea, body=f"Yes: {long_link}", parent=parent)
        rnd = with_totp(with_role(MemberFactory(username="rita", display_name="Rita"), Role.RND))
        prototype = services.prototype_create(created_by=rnd, title="Pocket camera", beta_seats=3)
        for name in ("Classic", "Compact"):
            services.variant_add(
                prototype=prototype, by=rnd, name=name, kind=Variant.Kind.SCREENS,
                screen_files=[png_upload(size=(360, 640))],
            )  # fmt: skip
        services.prototype_publish(prototype=prototype, by=rnd)
        for n in range(3):
            make_idea(title=f"Untriaged idea number {n} with a long enough title to wrap twice on a phone")
        return idea, prototype, rnd

    def problems(self, page, path):
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        found = []
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > WIDTH:
            found.append(f"{path}: the page is {scroll_width} px wide")
        found += [f"{path}: {problem}" for problem in page.evaluate(REFLOW_PROBLEMS, WIDTH)]
        return found

    def test_the_check_finds_cut_off_controls_and_unlabelled_scrolling(self):
        page = self.new_page()
        page.set_viewport_size({"width": WIDTH, "height": 640})
        page.set_content(
            '<html lang="en"><body><main>'
            '<div style="margin-left: 300px"><button>Send</button></div>'
            '<div id="wide" style="overflow-x: auto"><table style="width: 900px"><tr><td>'
            "<input aria-label=x></td></tr></table></div>"
            '<div role="region" aria-label="Fine" tabindex="0" style="overflow-x: auto">'
            '<table style="width: 900px"><tr><td><input aria-label=y></td></tr></table></div>'
            "</main></body></html>"
        )
        problems = page.evaluate(REFLOW_PROBLEMS, WIDTH)
        assert len(problems) == 2, problems
        assert problems[0].startswith("cut off") and "Send" in problems[0]
        assert "labelled, focusable region: div#wide" in problems[1]

    def test_pages_reflow_at_320_px_without_sideways_scrolling_or_clipped_controls(self):
        idea, prototype, rnd = self.world()
        member = self.staff_page(MemberFactory(username="mia", display_name="Mia"))
        staff = self.staff_page(rnd)
        visitor = self.new_page()
        found = []
        for page in (member, staff, visitor):
            page.set_viewport_size({"width": WIDTH, "height": 640})
        found += self.problems(visitor, "/")
        for path in ("/", "/ideas/", idea.get_absolute_url(), "/ideas/new/", prototype.get_absolute_url(),
                     "/members/me/"):  # fmt: skip
            found += self.problems(member, path)
        found += self.problems(staff, "/triage/")
        found += self.problems(staff, idea.get_absolute_url())  # with the staff forms
        assert found == [], "\n" + "\n".join(found)
        for page in (member, staff, visitor):
            assert page.js_errors == [], page.js_errors
