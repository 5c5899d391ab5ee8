"""axe-core (the WCAG 2.x A/AA and 2.2 AA rules of tests/browser/test_axe.py) on every staff and moderation
page, opened as each staff persona who may see it.

Which pages a persona may open comes from the permission matrix (tests/test_permission_matrix.py): every
GET route that answers 200 to the persona and not to a customer, plus the staff parts of pages everyone
sees (the idea page with notes, owner, merge and status forms; an idea's history; the API tokens page).
The customer-value pages under /customers/ have their own axe test, except the CRM import.

One live server, one browser context per persona, the pages in a loop; a failure lists every page, rule
and node.
"""

import tempfile

import pytest
from django.test import override_settings

from community.roles import Role
from ideas.services import comment_post, idea_merge

from ..conftest import ensure_wagtail_site
from ..factories import MemberFactory, ProductFactory, SegmentFactory, make_idea, with_role, with_totp
from ..prototypes.helpers import ensure_roles, matrix_url
from ..test_permission_matrix import OK, OWN_URLS, STAFF, _evaluation_world, _moderation_world, url_for
from .live import BrowserTestCase
from .test_axe import AXE, WCAG_AA

pytestmark = pytest.mark.browser

# Only the violations in full: passes and the rest with one node each (faster over 80 pages).
OPTIONS = {**WCAG_AA, "resultTypes": ["violations"]}

# Pages everyone may open whose staff part differs: opened by each staff persona too.
SHARED_WITH_STAFF_PARTS = ("ideas/<id:pk>-<slug:slug>/", "ideas/<id:pk>/history/", "members/me/tokens/")
# Not HTML pages (files, JSON, images, the prototype sandbox).
NOT_PAGES = (".csv", ".json", "thumbnail/", "bundles/<id:pk>/<path:path>", "jsi18n/", "mentions/")


def staff_routes(persona):
    """The GET routes of the matrix that are staff pages `persona` may open."""
    routes = []
    for route, methods in OWN_URLS.items():
        outcomes = methods.get("GET", {})
        if outcomes.get(persona) != OK or route.endswith(NOT_PAGES):
            continue
        if route.startswith("customers/") and route != "customers/import/":
            continue  # the customer-value pages: their own axe test
        if outcomes.get("customer") != OK or route in SHARED_WITH_STAFF_PARTS:
            routes.append(route)
    return routes


def describe(persona, path, violation):
    """One line per node: where, which rule, which element, and what axe says to fix."""
    return [
        f"{persona} {path}: {violation['id']} ({violation['impact']}) at {node['target']}: "
        + " ".join(node.get("failureSummary", "").split())
        for node in violation["nodes"]
    ]


@override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="cocreate-axe-staff-media-"))
class AxeStaffTest(BrowserTestCase):
    def cast(self):
        ensure_roles()
        ensure_wagtail_site()

        def staff(username, role):
            return with_totp(with_role(MemberFactory(username=username, display_name=username.title()), role))

        return {
            "customer": MemberFactory(username="alice", display_name="Alice A."),
            "rnd": staff("rita", Role.RND),
            "customer_manager": staff("carl", Role.CUSTOMER_MANAGER),
            "moderator": staff("mona", Role.MODERATOR),
            "administrator": staff("adam", Role.ADMINISTRATOR),
            "cco": staff("cora", Role.CCO),
        }

    def world(self, cast):
        """What the permission matrix's `world` fixture builds, with the staff pages' content filled in:
        a segment the customer manager manages, an idea with a comment, a flag, a sanction and its appeal,
        a merge, an evaluation panel."""
        segment = SegmentFactory(name="Professional photographers")
        segment.managers.add(cast["customer_manager"])
        idea = make_idea(author=cast["customer"], title="Alice's own idea")
        idea.tags.add("camera")
        comment = comment_post(author=MemberFactory(), idea=idea, body="first")
        target = MemberFactory(display_name="Tom Target")
        merge = idea_merge(
            source=make_idea(title="A duplicate"),
            target=make_idea(title="Its original"),
            merged_by=cast["administrator"],
            note="Same thing",
        )
        return {
            **_moderation_world(cast, comment, target),
            "idea": idea,
            "member": target,
            "segment": segment,
            "other": make_idea(title="Another idea"),
            "merge": merge,
            "comment": comment,
            "administrator": cast["administrator"],
            "evaluation": _evaluation_world(cast),
            "follows": {"product": ProductFactory().pk},
        }

    def url(self, route, world, prototype_url):
        if route.startswith("prototypes/"):
            # One prototype for all its pages (matrix_url builds a new one, with a fixed segment slug).
            return "/" + route.replace("<id:pk>", prototype_url.strip("/").split("/")[1])
        return url_for(route, world)

    def test_every_staff_page_has_no_violations_for_each_persona_who_may_see_it(self):
        cast = self.cast()
        world = self.world(cast)
        prototype_url = matrix_url("prototypes/<id:pk>/")
        urls = {}
        found, checked = [], []
        for persona in STAFF:
            page = self.staff_page(cast[persona])
            for route in staff_routes(persona):
                if route not in urls:
                    urls[route] = self.url(route, world, prototype_url)
                path = urls[route]
                response = page.goto(path)
                assert response.status == 200, f"{persona} {path}: {response.status}"
                results = AXE.run(page, options=OPTIONS).response
                assert results["passes"], f"axe checked nothing on {path}"
                for violation in results["violations"]:
                    found += describe(persona, path, violation)
                checked.append((persona, route))
        assert len({route for _persona, route in checked}) >= 35, checked  # the matrix gave the pages
        assert found == [], "\n" + "\n".join(found)
