"""The staff home and the moderation queue in real Chromium with the keyboard alone: Tab to a link or a
field, Enter or Space to follow or press it, the arrow keys in a list of reasons, and triage's own
shortcuts (j, x, 1–6). Each flow checks what happened, on the page and in the database."""

import pytest
from playwright.sync_api import expect

from community.roles import Role
from ideas.models import Comment, Idea
from ideas.services import comment_post
from moderation import services as moderation
from moderation.models import AuditEntry, Case

from ..factories import MemberFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles
from .live import BrowserTestCase

# The page's own message, not the live announcer of base.html (also role=status, visually hidden).
MESSAGE = "[role=status]:not([data-live-announcer])"

pytestmark = pytest.mark.browser

# What has the focus, as a person would read it: a link's or button's text, a field's id.
FOCUSED = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id || "", name: el.getAttribute("name") || "",
          text: (el.tagName === "SELECT" ? "" : (el.innerText || el.value || "")).trim()};
}"""


def tab_to(page, *, text=None, element_id=None, name=None, limit=150):
    """Press Tab until the focus reaches what is described; fail if it never does (it is unreachable)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused["text"][:40] or focused["id"] or focused["tag"])
        if text is not None and text in focused["text"]:
            return focused
        if element_id is not None and focused["id"] == element_id:
            return focused
        if name is not None and focused["name"] == name:
            return focused
    raise AssertionError(f"Tab never reached {text or element_id or name}: {seen[-20:]}")


class StaffKeyboardTest(BrowserTestCase):
    def test_rnd_goes_from_the_workspace_to_triage_and_works_the_queue_by_keyboard(self):
        ensure_roles()
        rita = with_totp(with_role(MemberFactory(username="rita", email="rita@example.com"), Role.RND))
        older = make_idea(title="Longer battery life in the cold")
        newest = make_idea(title="Overnight timelapse mode")
        page = self.staff_page(rita)
        page.goto("/workspace/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your workspace")

        tab_to(page, text="Untriaged ideas")
        page.keyboard.press("Enter")
        page.wait_for_url("**/triage/")

        # The shortcuts listed on the page: j to the first (newest) idea, x to check it, 1 for "Tag".
        page.keyboard.press("j")
        page.keyboard.press("x")
        expect(page.get_by_label(newest.title)).to_be_checked()
        page.keyboard.press("1")
        expect(page.locator('[data-action-fields="tag"]')).to_be_visible()
        tab_to(page, name="tags")
        page.keyboard.type("timelapse, night")
        tab_to(page, text="Apply to the checked ideas")
        page.keyboard.press("Enter")
        expect(page.locator(MESSAGE)).to_contain_text(f"Tagged 1 idea: {newest.title}.")
        assert sorted(Idea.objects.get(pk=newest.pk).tags.names()) == ["night", "timelapse"]
        assert not Idea.objects.get(pk=older.pk).tags.exists()

        # Decline the other one: j twice (the tagged idea is still untriaged, first), x, 6, then the
        # reason the form asks for up front, and Space on the button.
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("x")
        expect(page.get_by_label(older.title)).to_be_checked()
        page.keyboard.press("6")
        tab_to(page, name="decline_reason")
        page.keyboard.type("Out of scope for this camera")
        tab_to(page, text="Apply to the checked ideas")
        page.keyboard.press("Space")
        # The decline's own message: the tag's is still on the page until the answer replaces it.
        expect(page.locator(MESSAGE)).to_contain_text(f"Declined 1 idea: {older.title}.")
        assert Idea.objects.get(pk=older.pk).status == Idea.Status.DECLINED
        assert Idea.objects.get(pk=newest.pk).status == Idea.Status.NEW
        assert page.js_errors == [], page.js_errors

    def test_a_moderator_goes_from_the_workspace_to_the_queue_and_decides_by_keyboard(self):
        ensure_roles()
        mona = with_totp(with_role(MemberFactory(username="mona", email="mona@example.com"), Role.MODERATOR))
        alice = MemberFactory(username="alice", display_name="Alice A.")
        idea = make_idea(title="Longer battery life")
        rude = comment_post(author=alice, idea=idea, body="Only an idiot would want this")
        fine = comment_post(author=alice, idea=idea, body="I would use it on every hike")
        older_case_first = []
        for comment in (rude, fine):
            moderation.flag_create(
                reporter=MemberFactory(), kind="comment", object_id=comment.pk, reason="abuse"
            )
            older_case_first.append(Case.objects.get(kind="comment", object_id=comment.pk))
        rude_case, fine_case = older_case_first

        page = self.staff_page(mona)
        page.goto("/workspace/")
        tab_to(page, text="Open flags")
        page.keyboard.press("Enter")
        page.wait_for_url("**/moderation/")
        expect(page.locator("li.queue-item")).to_have_count(2)

        # Hide the rude one: its ready-made reasons with the arrow keys, a few words of our own, Space
        # on "Hide it".
        tab_to(page, element_id=f"preset-{rude_case.pk}")
        page.keyboard.press("ArrowDown")
        chosen = page.locator(f"#preset-{rude_case.pk}").input_value()
        assert chosen, "the arrow key chose a ready-made reason"
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)["id"] == f"reason-{rude_case.pk}"
        page.keyboard.type("See guideline 1")
        tab_to(page, text="Hide it")
        page.keyboard.press("Space")
        expect(page.get_by_text("Hidden. The author was told why.")).to_be_visible()
        assert Comment.objects.get(pk=rude.pk).visibility == "hidden"
        entry = AuditEntry.objects.get(action="hide", object_id=rude.pk)
        assert "See guideline 1" in entry.reason

        # Dismiss the flags on the other (a decision needs its reason too): Tab into its box, type the
        # reason, Tab to its button, Enter. The queue is empty afterwards.
        expect(page.locator("li.queue-item")).to_have_count(1)
        tab_to(page, element_id=f"reason-{fine_case.pk}")
        page.keyboard.type("Not abusive: an opinion")
        tab_to(page, text="Dismiss flags")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Nothing waiting. Well done.")).to_be_visible()
        assert Comment.objects.get(pk=fine.pk).visibility == "public"
        assert Case.objects.get(pk=fine_case.pk).state != Case.State.OPEN
        assert page.js_errors == [], page.js_errors
