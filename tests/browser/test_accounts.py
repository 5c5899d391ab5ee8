"""Sign up, get the verification mail, verify, post — and an unverified member is refused, clearly."""

import pytest
from playwright.sync_api import expect

from ideas.models import Idea

from .live import BrowserTestCase

pytestmark = pytest.mark.browser


class SignUpAndVerifyTest(BrowserTestCase):
    def test_unverified_member_is_refused_until_the_link_is_followed(self):
        page = self.new_page()
        self.sign_up(
            page,
            email="vera@example.com",
            name="Vera Verify",
            password="lantern-meadow-copper-7",
            verify=False,
        )

        page.goto("/ideas/new/")
        expect(page.get_by_text("Please confirm your email address before posting")).to_be_visible()
        assert "/accounts/email/" in page.url
        assert not Idea.objects.exists()

        self.verify_email(page, "vera@example.com")  # the one mail sent, with its link

        page.goto("/ideas/new/")
        page.get_by_label("Title").fill("Verified members can post")
        page.get_by_label("Description").fill("And here it is.")
        page.get_by_role("button", name="Post idea").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Verified members can post")
        assert Idea.objects.get().author.email == "vera@example.com"
        assert page.js_errors == [], page.js_errors
