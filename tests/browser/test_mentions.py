"""The @mention picker in real Chromium, with the keyboard only: type "@", pick with the arrow keys and
Enter, and the posted comment links the member and tells them."""

import pytest
from playwright.sync_api import expect

from notifications.models import Notification

from ..factories import MemberFactory, make_idea
from .live import BrowserTestCase

pytestmark = pytest.mark.browser


class MentionPickerTest(BrowserTestCase):
    def test_pick_a_member_with_the_keyboard_and_mention_them(self):
        author = MemberFactory(username="zora", display_name="Zora Author")
        idea = make_idea(author=author, title="Night mode for the camera")
        MemberFactory(username="zack", display_name="Zack Zed")  # not in the thread: offered second
        MemberFactory(email="sam@example.com", username="sam")
        page = self.new_page()
        self.log_in(page, "sam@example.com", "correct horse battery")
        page.goto(idea.get_absolute_url())
        box = page.get_by_label("Your comment")
        box.press_sequentially("Agreed @z", delay=30)
        listbox = page.get_by_role("listbox", name="Members to mention")
        expect(listbox).to_be_visible()
        options = listbox.get_by_role("option")
        expect(options).to_have_text(["Zora Author @zora", "Zack Zed @zack"])
        expect(box).to_have_attribute("aria-expanded", "true")
        expect(options.nth(0)).to_have_attribute("aria-selected", "true")
        box.press("ArrowDown")
        expect(options.nth(1)).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
        box.press("ArrowUp")
        box.press("Enter")
        expect(listbox).to_be_hidden()
        expect(box).to_have_value("Agreed @zora ")
        box.press_sequentially("and @za", delay=30)
        expect(listbox).to_be_visible()
        box.press("Escape")
        expect(listbox).to_be_hidden()
        expect(box).to_have_value("Agreed @zora and @za")
        page.get_by_role("button", name="Post comment").click()
        expect(page.locator("a.mention", has_text="@zora").first).to_have_attribute(
            "href", author.get_absolute_url()
        )
        assert Notification.objects.filter(kind="mention", recipient=author).count() == 1
        assert page.js_errors == [], page.js_errors
