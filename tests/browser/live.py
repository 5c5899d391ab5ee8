"""A live Daphne server (HTTP + websockets) for browser tests, and headless Debian Chromium."""

import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asgiref.sync import SyncToAsync
from channels.testing import ChannelsLiveServerTestCase
from daphne.testing import DaphneProcess
from django.test import override_settings
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium floods the closed network with refused connections.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


class ForkSafeDaphneProcess(DaphneProcess):
    def run(self):
        # The forked server inherits asgiref's single-thread executor, whose thread does not exist after
        # fork: every database_sync_to_async call would hang. Give the child its own.
        SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
        super().run()


MAIL_DIR = tempfile.mkdtemp(prefix="cocreate-mail-")


# Mail from the forked server lands in files the test can read (locmem would stay in the server).
@override_settings(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=MAIL_DIR)
class BrowserTestCase(ChannelsLiveServerTestCase):
    """Each test gets `self.browser` (Chromium); open pages with `self.new_page()`."""

    ProtocolServerProcess = ForkSafeDaphneProcess
    # A numeric address: channels' default, "localhost", made the forked server resolve a name in its
    # first `bind`, and once (CI, 2026-12-06) it hung there for good, in glibc, on a lock that a thread
    # of the forking test process held at the fork (fork copies locks, not the threads that would
    # release them). An IP address is bound without a name lookup.
    host = "127.0.0.1"
    # No serialized_rollback: it clashes with content types that post_migrate recreates after other
    # transactional tests. Data from data migrations (Wagtail pages, role groups) is recreated on demand
    # (tests/conftest.py wagtail_site; community.services.role_grant).

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
        # plain synchronous code, so let Django allow them (browser tests only).
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        cls._playwright = sync_playwright().start()
        cls.browser = cls._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls._playwright.stop()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe
        super().tearDownClass()

    def new_page(self):
        context = self.browser.new_context(base_url=self.live_server_url)
        context.set_default_timeout(15000)
        self.addCleanup(context.close)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.js_errors = errors
        return page

    def staff_page(self, member):
        """A page logged in as `member` by a session cookie (staff log-ins ask for a TOTP code)."""
        from django.test import Client

        client = Client()
        client.force_login(member)
        page = self.new_page()
        page.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": self.live_server_url}]
        )
        return page

    def log_in(self, page, email, password):
        page.goto("/accounts/login/")
        page.fill('input[name="login"]', email)
        page.fill('input[name="password"]', password)
        page.click('form[action="/accounts/login/"] button[type="submit"]')
        page.wait_for_url("**/ideas/")

    def mails_to(self, address):
        return [m for m in (p.read_text() for p in Path(MAIL_DIR).glob("*.log")) if f"To: {address}" in m]

    def sign_up(self, page, *, email, name, password, verify=True):
        """Sign up through the form; with `verify`, follow the link in the verification mail."""
        page.goto("/accounts/signup/")
        page.get_by_role("textbox", name="Email").fill(email)
        page.get_by_label("Display name").fill(name)
        page.fill('input[name="password1"]', password)
        page.fill('input[name="password2"]', password)
        page.get_by_role("button", name="Sign Up").click()
        page.wait_for_load_state()
        if verify:
            self.verify_email(page, email)

    def verify_email(self, page, email):
        (mail,) = self.mails_to(email)
        link = re.search(r"http://[^\s]+/accounts/confirm-email/[^\s]+/", mail).group(0)
        page.goto(link)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
