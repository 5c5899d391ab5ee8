"""Moderation in real Chromium: a member flags a comment, a moderator hides it from the queue, and its
author sees why (on the idea page, in their notifications and on the decision's page). Pages open on the
idea drop the hidden comment live."""

import pytest
from playwright.sync_api import expect

from community.roles import Role
from ideas.models import Comment
from ideas.services import comment_post

from ..factories import MemberFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles
from .live import BrowserTestCase

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


class ModerationBrowserTest(BrowserTestCase):
    def test_flag_hide_and_the_author_sees_why(self):
        ensure_roles()
        mona = with_totp(with_role(MemberFactory(email="mona@example.com", username="mona"), Role.MODERATOR))
        alice = MemberFactory(email="alice@example.com", username="alice", display_name="Alice A.")
        MemberFactory(email="bob@example.com", username="bob", display_name="Bob B.")
        idea = make_idea(title="Longer battery life")
        comment = comment_post(author=alice, idea=idea, body="Only an idiot would want this")

        bob = self.new_page()
        self.log_in(bob, "bob@example.com", PASSWORD)
        bob.goto(idea.get_absolute_url())
        bob.locator(f"#comment-{comment.pk}").get_by_role("link", name="Flag").click()
        expect(bob.get_by_role("heading", level=1)).to_have_text("Flag for the moderators")
        bob.get_by_label("Abusive or harassing").check()
        bob.get_by_label("Details").fill("Calls people idiots")
        bob.get_by_role("button", name="Send flag").click()
        # The page's own message (the live announcer reads the same words out), beside the flagged comment.
        thanks = bob.locator("[role=status]:not([data-live-announcer])")
        expect(thanks).to_have_text("Thank you. The moderators will look at it.")
        expect(thanks).to_be_in_viewport()

        moderator = self.staff_page(mona)
        moderator.goto("/ideas/")
        moderator.get_by_role("link", name="Moderation").click()
        item = moderator.locator("li.queue-item", has_text="Only an idiot would want this")
        expect(item).to_contain_text("Calls people idiots")
        hide = item.locator("form", has=moderator.get_by_role("button", name="Hide"))
        hide.get_by_label("in your own words").fill("Personal attack: see guideline 1")
        hide.get_by_role("button", name="Hide").click()
        expect(moderator.get_by_text("Hidden. The author was told why.")).to_be_visible()
        expect(moderator.get_by_text("Nothing waiting. Well done.")).to_be_visible()
        assert Comment.objects.get(pk=comment.pk).visibility == "hidden"

        # Bob's open page drops the text live, without a reload; a reload no longer lists it.
        expect(bob.locator(f"#comment-{comment.pk}")).to_contain_text("hidden by a moderator")
        expect(bob.get_by_text("Only an idiot would want this")).to_have_count(0)
        expect(bob.locator("[data-comment-count]")).to_have_text("0")
        bob.goto(idea.get_absolute_url())
        expect(bob.get_by_text("Only an idiot would want this")).to_have_count(0)

        author = self.new_page()
        self.log_in(author, "alice@example.com", PASSWORD)
        author.goto(idea.get_absolute_url())
        note = author.locator(f"#comment-{comment.pk} .moderation-note")
        expect(note).to_contain_text("Hidden by a moderator")
        expect(note).to_contain_text("Personal attack: see guideline 1")
        author.get_by_role("link", name="Notifications").click()
        expect(author.get_by_text("A moderator hid your comment")).to_be_visible()
        author.goto(idea.get_absolute_url())
        note.get_by_role("link", name="Details and appeal").click()
        expect(author.locator("[data-reason]")).to_have_text("Personal attack: see guideline 1")
        author.get_by_label("Why should the decision change?").fill("It was a quote from a review")
        author.get_by_role("button", name="Send appeal").click()
        expect(author.get_by_text("Your appeal is sent.")).to_be_visible()
        assert bob.js_errors == [] and moderator.js_errors == [] and author.js_errors == []
