"""axe-core (WCAG 2.x A and AA rules) on the pages a newcomer and a member see, in English and German.

axe comes from the installed `axe-playwright-python` package (its bundled axe.min.js), never a CDN; it
runs through Playwright's evaluate, which the pages' CSP does not block.
"""

import tempfile

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import override_settings

from community.roles import Role
from ideas.services import comment_post
from prototypes import services
from prototypes.models import Screen, Variant

from ..factories import MemberFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles, png_upload
from .live import BrowserTestCase

pytestmark = pytest.mark.browser

AXE = Axe()
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="cocreate-axe-media-"))
class AxeTest(BrowserTestCase):
    def violations(self, page, path):
        page.goto(path)
        results = AXE.run(page, options=WCAG_AA)
        assert results.response["passes"], f"axe checked nothing on {path}"  # it ran, and found the page
        return [
            f"{path}: {v['id']} ({len(v['nodes'])}): {v['nodes'][0]['target']}"
            for v in results.response["violations"]
        ]

    def test_axe_finds_violations_where_there_are_some(self):
        page = self.new_page()
        page.set_content('<html lang="en"><body><main><img src="x.png"><input></main></body></html>')
        found = {v["id"] for v in AXE.run(page, options=WCAG_AA).response["violations"]}
        assert {"image-alt", "label"} <= found

    def world(self):
        ensure_roles()
        bob = MemberFactory(username="bob", display_name="Bob")
        idea = make_idea(author=bob, title="Offline maps")
        comment_post(author=bob, idea=idea, body="Please, for the train.")
        rnd = with_totp(with_role(MemberFactory(username="rita", email="rita@example.com"), Role.RND))
        prototype = services.prototype_create(created_by=rnd, title="Pocket camera", beta_seats=2)
        services.variant_add(
            prototype=prototype, by=rnd, name="Classic", kind=Variant.Kind.SCREENS,
            screen_files=[png_upload(size=(400, 300))],
        )  # fmt: skip
        services.prototype_publish(prototype=prototype, by=rnd)
        screen = Screen.objects.get(version__variant__prototype=prototype)
        services.pin_add(author=bob, screen=screen, body="The shutter is hard to find.", x=0.4, y=0.6)
        return idea, prototype

    def page_in(self, language, member=None):
        page = self.staff_page(member) if member else self.new_page()
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.live_server_url}]
        )
        return page

    def test_a_prototype_with_pins_has_no_violations(self):
        _idea, prototype = self.world()
        page = self.page_in("en", MemberFactory(username="mia"))
        assert self.violations(page, prototype.get_absolute_url()) == []

    def test_member_and_visitor_pages_have_no_violations_in_english_and_german(self):
        idea, _prototype = self.world()
        paths = [
            "/ideas/",
            idea.get_absolute_url(),
            "/ideas/new/",
            "/prototypes/",
            "/search/?q=maps",
            "/notifications/",
            "/members/me/",
            "/accounts/login/",
            f"/moderation/flag/comment/{idea.comments.get().pk}/",  # flagging a comment
        ]
        found = []
        for language in ("en", "de"):
            member = self.page_in(language, MemberFactory(username=f"m{language}", display_name="Mia"))
            visitor = self.page_in(language)
            for path in paths:
                found += self.violations(member, path)
            for path in (*paths[:2], "/prototypes/", "/accounts/signup/"):
                found += self.violations(visitor, path)
        staff = self.staff_page(with_totp(with_role(MemberFactory(username="adam"), Role.ADMINISTRATOR)))
        found += self.violations(staff, idea.get_absolute_url())  # merge, status, owner, staff notes
        assert found == []
