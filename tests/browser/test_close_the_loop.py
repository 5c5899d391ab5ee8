"""The close-the-loop promise in real Chromium, with mail through a real SMTP server: a customer supports
an idea; R&D plans it; an editor publishes a release note that ships it; the customer finds the email,
clicks through to the release note, and unsubscribes in one click."""

import re
import time
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from playwright.sync_api import expect

from cms.models import ReleaseNoteIdea, ReleaseNotePage, ReleaseNotesIndexPage
from community.roles import Role
from ideas.models import Idea
from notifications.models import EmailPreference, Notification

from ..conftest import ensure_wagtail_site
from ..factories import MemberFactory, make_idea, with_role, with_totp
from ..smtp_server import Mailbox, free_port
from .live import BrowserTestCase

# The page's own message, not the live announcer of base.html (also role=status, visually hidden).
MESSAGE = "[role=status]:not([data-live-announcer])"

pytestmark = pytest.mark.browser

SMTP_PORT = free_port()


def wait_for_mail(mailbox, address, count, *, seconds=20):
    """The messages to `address` once there are `count` of them (mail leaves after the commit)."""
    deadline = time.monotonic() + seconds
    while len(mailbox.to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    messages = mailbox.to(address)
    assert len(messages) == count, [m["Subject"] for m in messages]
    return messages[-1]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=SMTP_PORT,
    EMAIL_USE_TLS=False,
    EMAIL_HOST_USER="",
    EMAIL_HOST_PASSWORD="",
    EMAIL_TIMEOUT=5,
    SITE_URL="https://cocreate.example",
)
class CloseTheLoopTest(BrowserTestCase):
    @classmethod
    def setUpClass(cls):
        # Started before the live server forks, which then sends to it over TCP.
        cls.mailbox = Mailbox()
        cls.smtp = Controller(cls.mailbox, hostname="127.0.0.1", port=SMTP_PORT)
        cls.smtp.start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.smtp.stop()

    def test_supporter_hears_of_the_plan_and_the_release_then_unsubscribes_in_one_click(self):
        site_root = ensure_wagtail_site()
        changelog = ReleaseNotesIndexPage(title="Changelog", slug="changelog")
        site_root.add_child(instance=changelog)
        changelog.save_revision().publish()
        idea = make_idea(title="Night mode for the camera")
        customer = MemberFactory(
            email="cora@example.com", username="cora", display_name="Cora Customer", email_consent=True
        )
        rita = with_totp(with_role(MemberFactory(username="rita", display_name="Rita R&D"), Role.RND))
        adam = with_totp(with_role(MemberFactory(username="adam"), Role.ADMINISTRATOR))

        # The customer supports the idea.
        page = self.new_page()
        self.log_in(page, "cora@example.com", "correct horse battery")
        page.goto(idea.get_absolute_url())
        page.get_by_role("button", name="Vote").click()
        expect(page.get_by_role("button", name="Voted")).to_be_visible()

        # R&D plans it, with a public note; the supporter is emailed at once.
        rnd = self.staff_page(rita)
        rnd.goto(idea.get_absolute_url())
        box = rnd.locator("details.staff-box", has_text="Change status")
        box.get_by_text("Change status").first.click()
        box.get_by_label("New status").select_option("planned")
        box.locator("textarea[name=note]").fill("Planned for the spring release.")  # ids repeat (issue 22)
        box.get_by_role("button", name="Change status").click()
        expect(rnd.get_by_text("Planned for the spring release.")).to_be_visible()
        planned = wait_for_mail(self.mailbox, "cora@example.com", 1)
        assert "Night mode for the camera" in planned.get_body(("plain",)).get_content()

        # An editor publishes the release note that ships it, from the CMS.
        release = ReleaseNotePage(
            title="Spring release", slug="spring", version="2.4", live=False,
            summary="Night mode, finally.", body="<p>Sharper nights.</p>",
        )  # fmt: skip
        release.shipped_ideas = [ReleaseNoteIdea(idea=idea)]
        changelog.add_child(instance=release)
        editor = self.staff_page(adam)
        editor.goto(f"/cms/pages/{release.pk}/edit/")
        publish = editor.locator('button[name="action-publish"]')
        if not publish.is_visible():  # Wagtail keeps Publish in the footer's menu of more actions
            editor.locator("footer [data-w-dropdown-target='toggle']").first.click()
        publish.click()
        expect(editor.get_by_text("published", exact=False).first).to_be_visible()
        assert ReleaseNotePage.objects.get(pk=release.pk).live
        assert Idea.objects.get(pk=idea.pk).status == Idea.Status.SHIPPED

        # The customer finds one email about the release, and it leads to the release note.
        shipped = wait_for_mail(self.mailbox, "cora@example.com", 2)
        assert "Spring release" in shipped["Subject"] + shipped.get_body(("plain",)).get_content()
        html = shipped.get_body(("html",)).get_content()
        link = re.search(r'href="([^"]*/changelog/spring/)"', html).group(1)
        page.goto(path_of(link))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Spring release")
        expect(page.get_by_role("link", name="Night mode for the camera")).to_be_visible()

        # One click on the email's unsubscribe link (and its confirm button) stops release mail.
        unsubscribe = str(shipped["List-Unsubscribe"]).strip().strip("<>")
        assert shipped["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        anonymous = self.new_page()
        anonymous.goto(path_of(unsubscribe))
        anonymous.get_by_role("button", name="Unsubscribe").click()
        expect(anonymous.locator(MESSAGE)).to_contain_text("will not email you")
        assert EmailPreference.objects.get(member=customer, kind=Notification.Kind.RELEASE).cadence == "never"
        assert page.js_errors == [] and rnd.js_errors == [] and anonymous.js_errors == []
