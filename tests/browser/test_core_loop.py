"""The core loop in real Chromium: sign up, post, and a second member's vote and comment appear live."""

import re

import pytest
from playwright.sync_api import expect

from ideas.models import Idea

from ..factories import MemberFactory
from .live import BrowserTestCase

pytestmark = pytest.mark.browser


class CoreLoopTest(BrowserTestCase):
    def test_sign_up_post_and_see_another_members_vote_and_comment_live(self):
        author = self.new_page()
        self.sign_up(
            author, email="newcomer@example.com", name="Nina Newcomer", password="a-long-unusual-passphrase"
        )

        author.goto("/ideas/")
        author.get_by_role("link", name="Post an idea").first.click()
        author.get_by_label("Title").fill("Let the camera remember my last mode")
        author.get_by_label("Description").fill("Reopening the camera always resets to **photo**.")
        author.get_by_role("button", name="Post idea").click()
        expect(author.get_by_role("heading", level=1)).to_have_text("Let the camera remember my last mode")
        idea = Idea.objects.get(title="Let the camera remember my last mode")
        assert idea.author.display_name == "Nina Newcomer"
        expect(author.locator("html")).to_have_attribute("data-live", "connected")
        count = author.locator(f'[data-votes-for="{idea.pk}"]')
        expect(count).to_have_text("0")

        MemberFactory(email="voter@example.com", username="voter", display_name="Victor Voter")
        voter = self.new_page()
        self.log_in(voter, "voter@example.com", "correct horse battery")
        voter.get_by_role("link", name="Let the camera remember my last mode").click()
        voter.get_by_role("button", name="Vote").click()
        expect(voter.get_by_role("button", name="Voted")).to_be_visible()

        expect(count).to_have_text("1")  # on the author's open page, without a reload
        assert author.url.endswith(idea.get_absolute_url())
        # ... and announced to screen readers through the page's polite live region.
        announcer = author.get_by_role("status").filter(has_text="vote")
        expect(announcer).to_have_text("Now 1 vote")
        assert announcer.get_attribute("aria-live") == "polite"

        voter.get_by_label("Your comment").fill("Same here, every single morning.")
        voter.get_by_role("button", name="Post comment").click()
        expect(author.get_by_text("Same here, every single morning.")).to_be_visible()
        expect(author.locator("[data-comment-count]")).to_have_text("1")
        expect(author.locator("[data-live-announcer]")).to_have_text("A new comment was posted.")

        voter.get_by_role("button", name="Voted").click()  # un-vote, in place
        expect(count).to_have_text("0")
        idea.refresh_from_db()
        assert (idea.upvote_count, idea.comment_count) == (0, 1)
        assert author.js_errors == [] and voter.js_errors == []

    def test_list_page_updates_counts_and_works_on_a_phone(self):
        from ..factories import make_idea

        idea = make_idea(title="Bigger text without breaking layouts")
        phone = self.browser.new_context(
            base_url=self.live_server_url,
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
        )
        self.addCleanup(phone.close)
        page = phone.new_page()
        page.goto("/ideas/")
        expect(page.locator("html")).to_have_attribute("data-live", "connected")
        # Nothing overflows sideways on a 390-px-wide screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Another member votes from the list page (through the server, as a vote really arrives).
        MemberFactory(email="fan@example.com", username="fan")
        fan = self.new_page()
        self.log_in(fan, "fan@example.com", "correct horse battery")
        fan.locator(f'[data-vote-box="{idea.pk}"]').get_by_role("button", name="Vote").click()
        expect(page.locator(f'[data-votes-for="{idea.pk}"]')).to_have_text("1")
        fan.reload()  # the list is rendered once for every member; the fan's own vote is marked
        expect(
            fan.locator(f'[data-vote-box="{idea.pk}"]').get_by_role("button", name="Voted")
        ).to_be_visible()
        # Logged out, the vote button leads to log-in.
        page.get_by_role("link", name="Vote").first.click()
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
