"""Typing a title close to an existing idea suggests it; one click supports it instead of posting a copy."""

import pytest
from playwright.sync_api import expect

from ideas.models import Idea

from ..factories import MemberFactory, make_idea
from .live import BrowserTestCase

pytestmark = pytest.mark.browser


class SimilarIdeasTest(BrowserTestCase):
    def test_start_typing_see_the_existing_idea_and_support_it(self):
        existing = make_idea(
            title="Offline maps that update over Wi-Fi only", body="Roaming data is expensive."
        )
        make_idea(title="Bigger text without breaking layouts", body="Large fonts cut off buttons.")
        MemberFactory(email="sam@example.com", username="sam")
        page = self.new_page()
        self.log_in(page, "sam@example.com", "correct horse battery")
        page.goto("/ideas/new/")
        page.get_by_label("Title").press_sequentially("offline maps", delay=30)
        suggestions = page.locator("[data-similar]")
        expect(suggestions).to_be_visible()
        expect(
            suggestions.get_by_role("link", name="Offline maps that update over Wi-Fi only")
        ).to_be_visible()
        expect(suggestions).not_to_contain_text("Bigger text")

        suggestions.get_by_role("button", name="Support this instead").first.click()
        page.wait_for_url(f"**{existing.get_absolute_url()}")
        expect(page.locator(f'[data-votes-for="{existing.pk}"]')).to_have_text("1")
        assert Idea.objects.count() == 2  # no copy was posted
        existing.refresh_from_db()
        assert existing.upvote_count == 1
        assert page.js_errors == [], page.js_errors
