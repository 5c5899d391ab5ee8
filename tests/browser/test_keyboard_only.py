"""The rest of the core loop with the keyboard alone (Tab, Shift+Tab, Enter, Space, the arrow keys; no
clicks): reply to a comment, flag a comment and an idea, compare prototype variants, place a pin on a
prototype screen with the arrow keys and by typing its point. Every element the keyboard reaches on the
way shows where the focus is (a computed outline or box-shadow), and each confirmation is shown in view,
beside the form that was used, in a status region that is announced."""

import tempfile

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from community.roles import Role
from ideas.models import Comment
from ideas.services import comment_post
from moderation.models import Case
from prototypes import services
from prototypes.models import Comparison, Pin, Variant

from ..factories import MemberFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles, png_upload
from .live import BrowserTestCase

pytestmark = pytest.mark.browser

# The focused element draws a visible indicator: an outline of some width, or a box-shadow.
FOCUS_INDICATOR = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {outline: outline, shadow: style.boxShadow !== "none",
          what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + (el.innerText || "").trim()};
}"""


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="cocreate-keyboard-media-"))
class KeyboardOnlyTest(BrowserTestCase):
    def assert_focus_visible(self, page):
        focused = page.evaluate(FOCUS_INDICATOR)
        assert focused is not None, "nothing has the focus"
        assert focused["outline"] or focused["shadow"], f"no visible focus on {focused['what']}"

    def tab_to(self, page, locator, *, backwards=False, limit=200):
        """Press Tab (or Shift+Tab) until `locator` has the focus, and check the focus shows on it."""
        target = locator.element_handle()
        for _ in range(limit):
            if page.evaluate("(element) => document.activeElement === element", target):
                self.assert_focus_visible(page)
                return
            page.keyboard.press("Shift+Tab" if backwards else "Tab")
        raise AssertionError(f"the keyboard never reaches {locator}")

    def press(self, page, key, locator, *, navigates=True):
        """Tab to `locator` and press `key` on it (Enter or Space)."""
        self.tab_to(page, locator)
        if navigates:
            with page.expect_navigation():
                page.keyboard.press(key)
        else:
            page.keyboard.press(key)

    def test_reply_to_a_comment_and_flag_a_comment_and_an_idea(self):
        ensure_roles()
        bob = MemberFactory(username="bob", display_name="Bob B.")
        idea = make_idea(author=bob, title="Offline maps")
        first = comment_post(author=bob, idea=idea, body="Please, for the train.")
        comment_post(author=MemberFactory(), idea=idea, body="And for the plane.")
        page = self.staff_page(MemberFactory(username="mia", display_name="Mia"))
        page.goto(idea.get_absolute_url())

        # Reply: Enter on the first comment's "Reply" moves the form under it and into the text box.
        thread = page.locator(f"#comment-{first.pk}")
        self.tab_to(page, thread.get_by_role("link", name="Reply"))
        page.keyboard.press("Enter")
        box = page.get_by_label("Your comment")
        expect(box).to_be_focused()
        self.assert_focus_visible(page)
        expect(page.locator("[data-replying]")).to_be_visible()
        page.keyboard.type("Trains have Wi-Fi now, mostly.")
        self.press(page, "Enter", page.get_by_role("button", name="Post comment"))
        reply = Comment.objects.get(body="Trains have Wi-Fi now, mostly.")
        assert reply.parent_id == first.pk
        # The reply is the confirmation: the page opens on it, under the comment it answers.
        shown = page.locator(f"[data-replies-for='{first.pk}'] #comment-{reply.pk}")
        expect(shown).to_be_in_viewport()

        # Flag the other comment: Tab to its "Flag", the reason with the arrow keys, Space to send.
        other = Comment.objects.get(body="And for the plane.")
        self.press(page, "Enter", page.locator(f"#comment-{other.pk}").get_by_role("link", name="Flag"))
        self.flag_by_keyboard(page)
        self.assert_confirmed(page, "Thank you. The moderators will look at it.")
        assert Case.objects.filter(kind="comment", object_id=other.pk).exists()

        # Flag the idea from its actions; Shift+Tab back from the comment form finds them too.
        page.get_by_label("Your comment").focus()  # a starting point below the idea's actions
        self.tab_to(page, page.locator(".idea-actions").get_by_role("link", name="Flag"), backwards=True)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        self.flag_by_keyboard(page)
        self.assert_confirmed(page, "Thank you. The moderators will look at it.")
        assert Case.objects.filter(kind="idea", object_id=idea.pk).exists()
        assert page.js_errors == [], page.js_errors

    def flag_by_keyboard(self, page):
        expect(page.get_by_role("heading", level=1)).to_have_text("Flag for the moderators")
        reasons = page.get_by_role("radio")
        self.tab_to(page, reasons.first)
        page.keyboard.press("ArrowDown")  # the next reason, checked
        expect(reasons.nth(1)).to_be_checked()
        self.assert_focus_visible(page)
        self.press(page, "Space", page.get_by_role("button", name="Send flag"))

    def assert_confirmed(self, page, text):
        """The page's own message (not the site's live announcer) says it, in view and announced."""
        message = page.locator("[role=status]:not([data-live-announcer])").filter(has_text=text)
        expect(message).to_be_in_viewport()

    def prototype(self):
        ensure_roles()
        rnd = with_totp(with_role(MemberFactory(username="rita"), Role.RND))
        prototype = services.prototype_create(created_by=rnd, title="Pocket camera", beta_seats=0)
        for name, color in (("Classic", (30, 90, 200)), ("Compact", (200, 90, 30))):
            services.variant_add(
                prototype=prototype, by=rnd, name=name, kind=Variant.Kind.SCREENS,
                screen_files=[png_upload(size=(360, 640), color=color)],
            )  # fmt: skip
        services.prototype_publish(prototype=prototype, by=rnd)
        page = self.staff_page(MemberFactory(username="mia", display_name="Mia"))
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(prototype.get_absolute_url())
        return prototype, page

    def test_compare_variants_by_keyboard(self):
        prototype, page = self.prototype()
        self.press(page, "Enter", page.get_by_role("button", name="Pick Compact"))
        self.assert_confirmed(page, "You picked Compact.")
        expect(page.locator("#done-compare")).to_be_in_viewport()
        expect(page.get_by_text("You compared 1 pair: thank you.")).to_be_visible()
        comparison = Comparison.objects.get()
        assert comparison.winner.name == "Compact"
        assert comparison.loser_id == prototype.variants.get(name="Classic").pk
        assert page.js_errors == [], page.js_errors

    def test_place_a_pin_with_the_arrow_keys_and_by_typing_its_point(self):
        prototype, page = self.prototype()
        # The arrow keys: Tab to the first screen, the first arrow puts the point in the middle, the
        # next ones move it by 2 % (with Shift by 10 %); Enter goes on to the comment.
        screen = page.get_by_role("img", name="Screen 1 of Classic")
        self.tab_to(page, screen)
        hint = page.locator("[data-pin-hint]").first
        for key in ["ArrowLeft"] * 3 + ["Shift+ArrowUp"]:
            page.keyboard.press(key)
        expect(hint).to_have_text("Pinned at 46% across, 40% down.")
        page.keyboard.press("Enter")
        expect(page.get_by_label("Your comment on this screen").first).to_be_focused()
        self.assert_focus_visible(page)
        page.keyboard.type("The shutter is too small")
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Pin comment").first).to_be_focused()
        self.assert_focus_visible(page)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        pin = Pin.objects.get()
        assert (round(pin.x, 2), round(pin.y, 2), pin.body) == (0.46, 0.4, "The shutter is too small")
        self.assert_confirmed(page, "Your comment is pinned to the screen.")
        expect(page.locator(f"#done-screen-{pin.screen_id}")).to_be_in_viewport()

        # Typing the point: Tab to the second screen's x and y, its comment, and Space on its button.
        form = page.locator("[data-pin-form]").nth(1)
        for field, text in (("x", "0.25"), ("y", "0.75")):
            self.tab_to(page, form.get_by_label(field, exact=True))
            page.keyboard.type(text)
        expect(form.locator("[data-pin-hint]")).to_have_text("Pinned at 25% across, 75% down.")
        self.tab_to(page, form.get_by_label("Your comment on this screen"))
        page.keyboard.type("Lovely colour")
        self.press(page, "Space", form.get_by_role("button", name="Pin comment"))
        second = Pin.objects.get(body="Lovely colour")
        assert (second.x, second.y) == (0.25, 0.75)
        self.assert_confirmed(page, "Your comment is pinned to the screen.")
        expect(page.locator(f"#done-screen-{second.screen_id}")).to_be_in_viewport()
        assert page.js_errors == [], page.js_errors
