"""Every URL of the site, requested by an anonymous visitor and by each role, with the outcome each may see.

A URL pattern that is neither in OWN_URLS nor under a THIRD_PARTY prefix fails the first test: new URLs
must be classified here before they ship.
"""

import re
from datetime import date, timedelta

import pytest
from django.urls import URLResolver, get_resolver

from ideas.services import comment_post

from .factories import MemberFactory, ProductFactory, SegmentFactory, make_idea

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous", "customer", "unverified", "rnd", "customer_manager", "moderator", "administrator", "cco",
]  # fmt: skip
STAFF = ["rnd", "customer_manager", "moderator", "administrator", "cco"]

# Outcomes: a status code, or a redirect kind.
LOGIN, VERIFY, OK, DENIED, NOT_ALLOWED, MOVED = "login", "verify", 200, 403, 405, "redirect"


def everyone(outcome, **overrides):
    return {persona: overrides.get(persona, outcome) for persona in PERSONAS}


def members_only(outcome=OK, **overrides):
    return everyone(outcome, anonymous=LOGIN, **overrides)


def contributors(outcome=OK, **overrides):
    return everyone(outcome, anonymous=LOGIN, unverified=VERIFY, **overrides)


MODERATORS = everyone(DENIED, anonymous=LOGIN, moderator=OK, administrator=OK)
MODERATORS_ACT = everyone(DENIED, anonymous=LOGIN, moderator=MOVED, administrator=MOVED)
ADMINISTRATORS = everyone(DENIED, anonymous=LOGIN, administrator=OK)
ADMINISTRATORS_ACT = everyone(DENIED, anonymous=LOGIN, administrator=MOVED)

# route → {method: {persona: outcome}}; "{idea}", "{own_idea}", "{member}" are filled per test.
OWN_URLS = {
    "health/": {"GET": everyone(OK)},  # for load balancers: no secrets in it (tests/cocreate/test_health.py)
    "ideas/": {"GET": everyone(OK)},
    "ideas/new/": {"GET": contributors()},
    "ideas/<id:pk>/": {"GET": everyone(301)},  # to the canonical URL with the slug
    "ideas/<id:pk>-<slug:slug>/": {"GET": everyone(OK)},
    # Authors only: moderators edit with a recorded reason from /moderation/items/….
    "ideas/<id:pk>/edit/": {"GET": contributors(DENIED, customer=OK)},
    "ideas/<id:pk>/comments/": {"GET": everyone(NOT_ALLOWED), "POST": contributors(MOVED)},
    "ideas/<id:pk>/status/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, administrator=MOVED),
    },
    # Staff notes (every staff role reads them; all but the read-only chief customer officer write them)
    # and owners (R&D, administrators): tests/ideas/test_internal_notes.py.
    "ideas/<id:pk>/notes/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(
            DENIED, anonymous=LOGIN, rnd=MOVED, customer_manager=MOVED, moderator=MOVED, administrator=MOVED
        ),
    },
    "ideas/<id:pk>/owner/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, administrator=MOVED),
    },
    "ideas/<id:pk>/vote/": {"GET": everyone(NOT_ALLOWED), "POST": contributors(MOVED)},
    "ideas/<id:pk>/unvote/": {"GET": everyone(NOT_ALLOWED), "POST": contributors(MOVED)},
    "ideas/<id:pk>/merge/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, moderator=MOVED, administrator=MOVED),
    },
    "ideas/merges/<id:merge_pk>/undo/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, moderator=MOVED, administrator=MOVED),
    },
    "ideas/<id:pk>/follow/": {"GET": everyone(NOT_ALLOWED), "POST": members_only(MOVED)},
    "ideas/<id:pk>/history/": {"GET": members_only(OK, unverified=DENIED)},  # author (customer) and staff
    "ideas/<id:pk>/comments/<id:comment_pk>/edit/": {
        "GET": contributors(DENIED)  # the comment's author only (it was written by someone else)
    },
    # A member's comment: moderators pin any; R&D and customer managers only official responses
    # (tests/ideas/test_pin.py).
    "ideas/<id:pk>/comments/<id:comment_pk>/pin/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": members_only(DENIED, moderator=MOVED, administrator=MOVED),
    },
    "ideas/preview/": {"GET": everyone(NOT_ALLOWED), "POST": members_only(OK)},
    # Following what ideas are filed under (tests/ideas/test_topic_follows.py); segments: customer
    # managers and administrators only (community.permissions.may_follow_segment).
    **{
        f"ideas/follows/{kind}/<id:pk>/": {"GET": everyone(NOT_ALLOWED), "POST": members_only(MOVED)}
        for kind in ("tag", "product", "campaign")
    },
    "ideas/follows/segment/<id:pk>/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, customer_manager=MOVED, administrator=MOVED),
    },
    # The @mention picker's suggestions (JSON), for members writing on an idea they can see.
    "ideas/mentions/": {"GET": members_only(OK)},
    "notifications/": {"GET": members_only()},
    "notifications/read/": {"GET": everyone(NOT_ALLOWED), "POST": members_only(MOVED)},
    "notifications/email/": {"GET": members_only(), "POST": members_only()},  # POST: form errors here
    # Public: the signed token (one member, one kind) is the authority; mail clients POST with no cookie.
    "notifications/unsubscribe/<str:token>/": {"GET": everyone(OK), "POST": everyone(OK)},
    "members/me/": {"GET": members_only()},
    "members/me/export/": {"GET": members_only()},
    # The language switcher: everyone (a member's choice is also saved: tests/community/test_language.py).
    "members/language/": {"GET": everyone(NOT_ALLOWED), "POST": everyone(MOVED)},
    "members/me/delete/": {"GET": members_only()},
    "members/<id:pk>/": {"GET": everyone(OK)},
    "members/<id:pk>/segments/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, customer_manager=MOVED, administrator=MOVED),
    },
    "members/<id:pk>/role/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, administrator=MOVED),
    },
    # Administrators' member pages: roles and managed segments (tests/community/test_staff_members.py).
    "staff/members/": {"GET": ADMINISTRATORS},
    "staff/members/<id:pk>/": {"GET": ADMINISTRATORS},
    "staff/members/<id:pk>/roles/": {"GET": everyone(NOT_ALLOWED), "POST": ADMINISTRATORS_ACT},
    "staff/members/<id:pk>/segments/": {"GET": everyone(NOT_ALLOWED), "POST": ADMINISTRATORS_ACT},
    # Expert evaluation (tests/ideas/test_expert_evaluation.py): R&D and administrators define it; only
    # the evaluators named for the idea's product (here R&D's Rita, not the administrator) score.
    "staff/evaluation/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    "staff/evaluation/ideas/<id:pk>/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED),
    },
    "staff/evaluation/<slug:product>/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    "staff/evaluation/<slug:product>/criteria/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, administrator=MOVED),
    },
    "staff/evaluation/<slug:product>/evaluators/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, administrator=MOVED),
    },
    # Each product's status workflow (tests/ideas/test_custom_workflow.py).
    "staff/workflows/": {"GET": ADMINISTRATORS},
    "staff/workflows/<slug:product>/": {"GET": ADMINISTRATORS},
    "staff/workflows/<slug:product>/customise/": {"GET": everyone(NOT_ALLOWED), "POST": ADMINISTRATORS_ACT},
    "staff/workflows/<slug:product>/statuses/": {"GET": everyone(NOT_ALLOWED), "POST": ADMINISTRATORS_ACT},
    "staff/workflows/<slug:product>/statuses/<id:pk>/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": ADMINISTRATORS_ACT,
    },
    "staff/workflows/<slug:product>/statuses/<id:pk>/delete/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": ADMINISTRATORS_ACT,
    },
    "search/": {"GET": everyone(OK)},
    "jsi18n/": {"GET": everyone(OK)},  # Django's JavaScript catalogue
    "search/similar/": {"GET": everyone(OK)},
    # Every staff role has a workspace (tests/backlog/test_workspace.py: which panels each sees).
    "workspace/": {
        "GET": everyone(
            DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, moderator=OK, administrator=OK, cco=OK
        )
    },
    # Backlog and customer value (docs/clv.md). An empty triage POST is a form error (400).
    "triage/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=400, administrator=400),
    },
    "backlog/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK)},
    "backlog/export.csv": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK)
    },
    "backlog/export.json": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK)
    },
    "backlog/weights/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, administrator=MOVED),
    },
    "backlog/items/new/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    "backlog/items/<id:pk>/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK)
    },
    "backlog/items/<id:pk>/edit/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    "backlog/items/<id:pk>/owner/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, administrator=MOVED),
    },
    # Release planning (docs/clv.md): R&D and administrators plan and save; customer managers read
    # saved releases (community.permissions.may_plan_releases, may_view_releases). An empty plan
    # POST is a form error (400).
    "backlog/plan/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    "backlog/releases/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK)
    },
    "backlog/releases/new/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=400, administrator=400),
    },
    "backlog/releases/<id:pk>/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK)
    },
    # Customer requests (proxy demand, tests/backlog/test_proxy.py): R&D, customer managers (customers of
    # their segments: the world's customer is in the segment Carl manages) and administrators.
    "backlog/ideas/<id:pk>/customers/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, customer_manager=MOVED, administrator=MOVED),
    },
    "backlog/customer-requests/<id:pk>/withdraw/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, customer_manager=MOVED, administrator=MOVED),
    },
    "segments/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK, cco=OK)
    },
    "segments/<slug:slug>/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK, cco=OK)
    },
    # The customer manager manages the world's segment; tests/backlog checks one they do not manage.
    "segments/<slug:slug>/members/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK, cco=OK)
    },
    "customers/import/": {"GET": everyone(DENIED, anonymous=LOGIN, customer_manager=OK, administrator=OK)},
    # CLV fits and customers at risk (issue 20): docs/clv.md "Who sees what".
    "customers/clv/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK, cco=OK)
    },
    "customers/clv/fits/<id:pk>/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK, cco=OK)
    },
    "customers/clv/refit/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, customer_manager=MOVED, administrator=MOVED),
    },
    "customers/at-risk/": {
        "GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, customer_manager=OK, administrator=OK, cco=OK)
    },
    "customers/transactions/import/": {
        "GET": everyone(DENIED, anonymous=LOGIN, customer_manager=OK, administrator=OK)
    },
    # Invitation links by external id (docs/clv.md): customer managers make them for their segments'
    # customers; whoever holds a valid one is sent to sign up, or, signed in, gets the record linked.
    "customers/invitation/": {
        "GET": everyone(DENIED, anonymous=LOGIN, customer_manager=OK, administrator=OK)
    },
    "customers/join/<str:invitation>/": {"GET": everyone(MOVED)},
    # The customer department (issue 20 parts 7, 8); the chief customer officer reads them and changes
    # nothing (tests/backlog/test_customer_department.py).
    **{
        route: {"GET": everyone(DENIED, anonymous=LOGIN, customer_manager=OK, administrator=OK, cco=OK)}
        for route in (
            "customers/overview/",
            "customers/market-estimates/",
            "customers/outreach/",
            "customers/outreach.csv",
        )
    },
    "customers/outreach/contacts/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": everyone(DENIED, anonymous=LOGIN, customer_manager=400, administrator=400),
    },
    # Webhooks (issue 19): R&D and administrators configure them (community.permissions.may_manage_webhooks).
    **{
        f"webhooks/{route}": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)}
        for route in ("", "new/", "<id:pk>/", "<id:pk>/edit/")
    },
    **{
        f"webhooks/{route}": {
            "GET": everyone(NOT_ALLOWED),
            "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, administrator=MOVED),
        }
        for route in ("<id:pk>/rotate/", "<id:pk>/active/", "<id:pk>/deliveries/<id:delivery_pk>/replay/")
    },
    # The issue trackers: no session counts, only the shared secret (tests/webhooks/test_inbound.py).
    "webhooks/github/": {"GET": everyone(NOT_ALLOWED), "POST": everyone(401)},
    "webhooks/jira/": {"GET": everyone(NOT_ALLOWED), "POST": everyone(401)},
    # Moderation: moderators and administrators; members flag what they can see.
    "moderation/": {"GET": MODERATORS},
    "moderation/flag/<str:kind>/<id:pk>/": {"GET": contributors(), "POST": contributors(MOVED)},
    "moderation/items/<str:kind>/<id:pk>/": {"GET": MODERATORS},
    "moderation/items/<str:kind>/<id:pk>/<str:action>/": {
        "GET": everyone(NOT_ALLOWED),
        "POST": MODERATORS_ACT,
    },
    "moderation/cases/<id:pk>/dismiss/": {"GET": everyone(NOT_ALLOWED), "POST": MODERATORS_ACT},
    "moderation/members/<id:pk>/": {"GET": MODERATORS},
    "moderation/members/<id:pk>/sanction/": {"GET": everyone(NOT_ALLOWED), "POST": MODERATORS_ACT},
    "moderation/sanctions/<id:pk>/lift/": {"GET": everyone(NOT_ALLOWED), "POST": MODERATORS_ACT},
    # A decision is shown to the member concerned and to moderators; to anyone else it does not exist.
    "moderation/notices/<id:pk>/": {"GET": everyone(404, anonymous=LOGIN, moderator=OK, administrator=OK)},
    "moderation/appeals/": {"GET": MODERATORS},
    "moderation/appeals/<id:pk>/decide/": {"GET": everyone(NOT_ALLOWED), "POST": MODERATORS_ACT},
    "moderation/votes/": {"GET": MODERATORS},
    "moderation/votes/scan/": {"GET": everyone(NOT_ALLOWED), "POST": MODERATORS_ACT},
    "moderation/votes/<id:pk>/<str:action>/": {"GET": everyone(NOT_ALLOWED), "POST": MODERATORS_ACT},
    "moderation/audit/": {"GET": MODERATORS},
    # Prototypes (tests/prototypes/helpers.matrix_url builds one). Feedback with empty data is refused
    # back to the prototype page (a redirect with the message).
    # Personal access tokens (api/token_views.py): every member their own; revoking another's is a 404.
    "members/me/tokens/": {"GET": members_only(), "POST": members_only()},
    "members/me/tokens/<id:pk>/revoke/": {"GET": everyone(NOT_ALLOWED), "POST": members_only(404)},
    "prototypes/": {"GET": everyone(OK)},
    "prototypes/new/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    "prototypes/<id:pk>/": {"GET": everyone(OK)},
    **{
        f"prototypes/<id:pk>/{action}/": {"GET": everyone(NOT_ALLOWED), "POST": contributors(MOVED)}
        for action in ("rate", "compare", "survey", "pins", "beta", "beta/withdraw")
    },
    "prototypes/<id:pk>/follow/": {"GET": everyone(NOT_ALLOWED), "POST": members_only(MOVED)},
    "prototypes/<id:pk>/manage/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    **{
        f"prototypes/{route}/": {
            "GET": everyone(NOT_ALLOWED),
            "POST": everyone(DENIED, anonymous=LOGIN, rnd=MOVED, administrator=MOVED),
        }
        for route in (
            "<id:pk>/variants",
            "<id:pk>/questions",
            "<id:pk>/quotas",
            "<id:pk>/publish",
            "variants/<id:pk>/versions",
        )
    },  # fmt: skip
    "prototypes/<id:pk>/results/": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    "prototypes/<id:pk>/results.csv": {"GET": everyone(DENIED, anonymous=LOGIN, rnd=OK, administrator=OK)},
    "prototypes/screens/<id:pk>/": {"GET": everyone(OK)},
    "prototypes/screens/<id:pk>/thumbnail/": {"GET": everyone(OK)},
    "prototypes/bundles/<id:pk>/<path:path>": {"GET": everyone(OK)},
}

# Third-party URL families, checked as a family: each argument-free page refuses anonymous visitors
# (admin screens), and the family's front door is checked for every persona.
THIRD_PARTY = {
    "admin/": everyone(LOGIN, rnd=OK, customer_manager=OK, moderator=OK, administrator=OK, cco=OK),
    "cms/": everyone(LOGIN, administrator=OK),
    "accounts/": None,  # allauth: public sign-up/log-in pages, the rest asks for log-in
    "documents/": None,  # Wagtail documents: served only per document's privacy
    "_util/": None,  # Wagtail's private-page password forms
    "^media/": None,  # development only (DEBUG)
    # The REST API: every operation × persona in tests/api/test_matrix.py (it walks the OpenAPI schema).
    "api/": None,
    "^((?:[\\w\\-]+/)*)$": None,  # Wagtail's page serving: the home page and CMS pages
}
FRONT_DOORS = {"admin/": "/admin/", "cms/": "/cms/"}


def all_routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def test_every_url_is_classified():
    unclassified = [
        route for route in all_routes() if route not in OWN_URLS and not route.startswith(tuple(THIRD_PARTY))
    ]
    assert unclassified == [], "classify these URLs in tests/test_permission_matrix.py"


@pytest.fixture
def cast(alice, nora, rita, carl, mona, adam, cora):
    return {
        "customer": alice,
        "unverified": nora,
        "rnd": rita,
        "customer_manager": carl,
        "moderator": mona,
        "administrator": adam,
        "cco": cora,
    }


@pytest.fixture
def world(cast, campaigns, settings):
    settings.WEBHOOKS_GITHUB_SECRET = settings.WEBHOOKS_JIRA_SECRET = "matrix-secret"
    segment = SegmentFactory()
    segment.managers.add(cast["customer_manager"])
    own_idea = make_idea(author=cast["customer"], title="Alice's own idea")
    comment_post(author=MemberFactory(), idea=own_idea, body="first")
    target = MemberFactory()
    from ideas.services import idea_merge

    other = make_idea(title="Another idea")
    merge = idea_merge(
        source=make_idea(title="A duplicate"),
        target=make_idea(title="Its original"),
        merged_by=cast["administrator"],
        note="Same thing",
    )
    comment = own_idea.comments.first()
    moderation = _moderation_world(cast, comment, target)
    own_idea.tags.add("camera")
    return {
        **moderation,
        "follows": {
            "tag": own_idea.tags.get().pk,
            "product": ProductFactory().pk,
            "campaign": campaigns["open"].pk,
            "segment": segment.pk,
        },
        "idea": own_idea,
        "member": target,
        "segment": segment,
        "other": other,
        "merge": merge,
        "comment": comment,
        "administrator": cast["administrator"],
        "evaluation": _evaluation_world(cast),
    }


def _evaluation_world(cast):
    from ideas import evaluation

    product = ProductFactory()
    criterion = evaluation.criterion_add(product=product, by=cast["rnd"], name="Feasibility")
    evaluation.evaluators_set(product=product, by=cast["rnd"], members=[cast["rnd"]])
    return {"product": product, "criterion": criterion, "idea": make_idea(product=product, title="Evaluated")}


def _moderation_world(cast, comment, member):
    from moderation import services as moderation
    from moderation.models import Sanction, VoteAlert

    flag = moderation.flag_create(
        reporter=MemberFactory(), kind="comment", object_id=comment.pk, reason="spam"
    )
    sanction = moderation.member_sanction(
        moderator=cast["moderator"], member_id=member.pk, type=Sanction.Type.WARNING, reason="Be kind"
    )
    appeal = moderation.appeal_submit(member=member, entry=sanction.entry, text="I was kind")
    alert = VoteAlert.objects.create(type="burst", signature="matrix", summary="A burst", vote_ids=[])
    return {"case": flag.case, "sanction": sanction, "appeal": appeal, "alert": alert}


MODERATION_IDS = {
    "moderation/cases/": "case",
    "moderation/sanctions/": "sanction",
    "moderation/appeals/": "appeal",
    "moderation/votes/": "alert",
    "moderation/members/": "member",
}


def moderation_url(route, world):
    url = "/" + route.replace("<str:kind>/<id:pk>", f"comment/{world['comment'].pk}")
    url = url.replace(
        "items/comment/" + str(world["comment"].pk) + "/<str:action>",
        f"items/comment/{world['comment'].pk}/hide",
    )
    url = url.replace("<str:action>", "dismiss")
    if route.startswith("moderation/notices/"):
        return url.replace("<id:pk>", str(world["sanction"].entry_id))
    for prefix, name in MODERATION_IDS.items():
        if route.startswith(prefix):
            return url.replace("<id:pk>", str(world[name].pk))
    return url


def world_customer(world):
    """A CRM customer (not a member) in the world's segment, which the customer manager manages."""
    from django.utils import timezone

    from backlog.models import CustomerRecord

    return CustomerRecord.objects.get_or_create(
        external_id="MATRIX-1",
        defaults={
            "segment": world["segment"],
            "clv": 100,
            "imported_at": timezone.now(),
        },
    )[0]


def url_for(route, world):
    idea, member = world["idea"], world["member"]
    if route.startswith("moderation/"):
        return moderation_url(route, world)
    if route.startswith("prototypes/"):
        from .prototypes.helpers import matrix_url

        return matrix_url(route)
    url = "/" + route
    if "<str:invitation>" in route:
        from backlog.transactions import customer_invitation_token

        return url.replace("<str:invitation>", customer_invitation_token(world_customer(world)))
    if "<str:token>" in route:
        from notifications.mail import unsubscribe_token

        url = url.replace("<str:token>", unsubscribe_token(member.pk, "reply"))
    if route.startswith("ideas/follows/"):
        return url.replace("<id:pk>", str(world["follows"][route.split("/")[2]]))
    url = url.replace("<id:pk>-<slug:slug>", f"{idea.pk}-{idea.slug}")
    url = url.replace("<id:merge_pk>", str(world["merge"].pk)).replace(
        "<id:comment_pk>", str(world["comment"].pk)
    )
    if route.startswith(("members/<id:pk>", "staff/members/<id:pk>")):
        url = url.replace("<id:pk>", str(member.pk))
    if route.startswith("webhooks/<id:pk>"):
        from webhooks.models import Delivery, Endpoint

        endpoint = Endpoint.objects.create(
            owner=member, url="https://hooks.example.com/x", events=["idea.created"]
        )
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            webhook_id=f"msg_matrix{Delivery.objects.count()}",
            event="idea.created",
            body="{}",
        )
        url = url.replace("<id:delivery_pk>", str(delivery.pk)).replace("<id:pk>", str(endpoint.pk))
    if route.startswith("backlog/customer-requests/<id:pk>"):
        from backlog.models import ProxyDemand

        record = ProxyDemand.objects.create(
            idea=idea, customer=world_customer(world), source="survey", note="Asked", recorded_by=member
        )
        return url.replace("<id:pk>", str(record.pk))
    if route.startswith("customers/clv/fits/<id:pk>"):
        from backlog.models import CLVFit

        fit = CLVFit.objects.create(status=CLVFit.Status.FAILED, message="Too few customers to fit")
        return "/" + route.replace("<id:pk>", str(fit.pk))
    if route.startswith("backlog/releases/<id:pk>"):
        from backlog.models import Release

        release = Release.objects.create(
            name="Matrix", capacity=5, objective="equity", value=0, greedy_value=0, created_by=member
        )
        url = url.replace("<id:pk>", str(release.pk))
    if route.startswith("staff/evaluation/"):
        panel = world["evaluation"]
        url = url.replace("<slug:product>", panel["product"].slug)
        return url.replace("<id:pk>", str(panel["idea"].pk))
    if route.startswith("staff/workflows/"):
        from ideas import workflow

        product = ProductFactory()
        workflow.workflow_customise(product=product, by=world["administrator"])
        spare = workflow.workflow_status_add(
            product=product, by=world["administrator"], name="Spare", stage="planned"
        )
        return url.replace("<slug:product>", product.slug).replace("<id:pk>", str(spare.pk))
    if route.startswith("backlog/items/<id:pk>"):
        from backlog.models import BacklogItem

        item = BacklogItem.objects.create(product=ProductFactory(), title="An item", created_by=member)
        url = url.replace("<id:pk>", str(item.pk))
    url = url.replace("<slug:slug>", world["segment"].slug)
    return url.replace("<id:pk>", str(idea.pk))


POST_DATA = {
    "moderation/flag/<str:kind>/<id:pk>/": {"reason": "abuse"},
    "moderation/items/<str:kind>/<id:pk>/<str:action>/": {"reason": "Spam"},
    "moderation/cases/<id:pk>/dismiss/": {"reason": "Not spam"},
    "moderation/members/<id:pk>/sanction/": {"type": "warning", "reason": "Please be kind"},
    "moderation/sanctions/<id:pk>/lift/": {"reason": "Apologised"},
    "moderation/appeals/<id:pk>/decide/": {"decision": "deny", "note": "It stands"},
    "moderation/votes/<id:pk>/<str:action>/": {"reason": "Genuine fans"},
    "ideas/<id:pk>/comments/": {"body": "A comment"},
    "members/me/tokens/": {
        "name": "Script",
        "scopes": ["read"],
        "expires_on": str(date.today() + timedelta(days=30)),
    },
    "ideas/<id:pk>/status/": {"status": "under_review", "note": "Looking at it"},
    "ideas/<id:pk>/vote/": {"value": "1"},
    "ideas/<id:pk>/notes/": {"body": "Internal: check the logs"},
    "ideas/<id:pk>/owner/": {"owner": ""},
    "backlog/items/<id:pk>/owner/": {"owner": ""},
    "members/<id:pk>/role/": {"role": "moderator", "action": "grant"},
    "staff/members/<id:pk>/roles/": {"role": "moderator", "action": "grant"},
    "staff/workflows/<slug:product>/statuses/": {"name": "Matrix status", "stage": "planned"},
    "staff/evaluation/<slug:product>/criteria/": {"name": "Matrix fit", "scale_min": "1", "scale_max": "5"},
    "ideas/<id:pk>/comments/<id:comment_pk>/pin/": {"pin": "1"},
    "ideas/preview/": {"body": "**hi**"},
    "ideas/<id:pk>/follow/": {"follow": "1"},
    **{f"ideas/follows/{k}/<id:pk>/": {"follow": "1"} for k in ("tag", "product", "campaign", "segment")},
    "prototypes/<id:pk>/follow/": {"follow": "1"},
    "prototypes/<id:pk>/variants/": {"name": "Trailer", "kind": "video", "video_url": "https://vimeo.com/2"},
    "prototypes/<id:pk>/questions/": {"text": "Would you pay for it?", "kind": "text"},
    "prototypes/<id:pk>/quotas/": {"segment": "matrix-segment", "seats": "1"},
    "prototypes/variants/<id:pk>/versions/": {"video_url": "https://vimeo.com/3"},
}


def outcome_of(response):
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    if location.startswith(("/accounts/login/", "/admin/login/", "/cms/login/")):
        return LOGIN
    if location.startswith("/accounts/email/"):
        return VERIFY
    if "/2fa/" in location:
        return "mfa"
    return MOVED


CASES = [
    (route, method, persona)
    for route, methods in OWN_URLS.items()
    for method, expected in methods.items()
    for persona in expected
]


@pytest.mark.parametrize("route, method, persona", CASES, ids=[f"{m} {r} as {p}" for r, m, p in CASES])
def test_own_urls(client, cast, world, route, method, persona):
    if persona != "anonymous":
        client.force_login(cast[persona])
    url = url_for(route, world)
    data = dict(POST_DATA.get(route, {}))
    if route == "members/<id:pk>/segments/":
        data = {"segments": [world["segment"].pk]}
    if route == "ideas/<id:pk>/merge/":
        data = {"target": world["other"].pk, "note": "Duplicate"}
    if route == "backlog/ideas/<id:pk>/customers/":
        data = {"customer": world_customer(world).pk, "source": "sales_call", "note": "Asked on a call"}
    if route == "staff/evaluation/ideas/<id:pk>/":
        data = {f"criterion-{world['evaluation']['criterion'].pk}": "3"}
    if route == "staff/workflows/<slug:product>/statuses/<id:pk>/":
        data = {f"status-{url.rstrip('/').split('/')[-1]}-name": "Renamed spare"}
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert outcome_of(response) == OWN_URLS[route][method][persona]


@pytest.mark.parametrize("prefix", [p for p, rule in THIRD_PARTY.items() if rule])
@pytest.mark.parametrize("persona", PERSONAS)
def test_third_party_front_doors(client, cast, prefix, persona):
    if persona != "anonymous":
        client.force_login(cast[persona])
    assert outcome_of(client.get(FRONT_DOORS[prefix])) == THIRD_PARTY[prefix][persona]


@pytest.mark.parametrize("prefix", ["admin/", "cms/"])
def test_every_admin_page_turns_anonymous_and_customers_away(client, alice, prefix):
    public = re.compile(
        r"(login|logout|password_reset|reset|jsi18n|autocomplete|r/|sprite)"
    )  # public assets and log-in
    regex = re.compile(r"[\^$*(]")  # regex routes take arguments or are catch-alls
    routes = [r for r in all_routes() if r.startswith(prefix) and "<" not in r and not regex.search(r)]
    for visitor in (None, alice):
        if visitor:
            client.force_login(visitor)
        for route in routes:
            if public.search(route):
                continue
            response = client.get("/" + route)
            assert response.status_code in (302, 403, 404, 405), route
            if response.status_code == 302:
                assert (
                    outcome_of(response) in (LOGIN, MOVED)
                    and "/admin/login" in response["Location"]
                    or "/cms/login" in response["Location"]
                ), route


# CMS pages (served by Wagtail's catch-all above): the roadmap, the changelog and their feeds are public,
# and nothing internal shows to anyone, staff included (tests/cms/roadmap_world.SECRETS: an internal
# item title and description, a triage note, a private item, a hidden idea, a member's CLV).
CMS_PAGES = {
    "/roadmap/": everyone(OK),
    "/roadmap/?product=camera": everyone(OK),
    "/roadmap/?product=unknown": everyone(404),
    "/roadmap/feed/": everyone(OK),
    "/changelog/": everyone(OK),
    "/changelog/feed/": everyone(OK),
    "/changelog/spring/": everyone(OK),
}


@pytest.fixture
def cms_world(cast, wagtail_site):
    from cms.models import ReleaseNoteBacklogItem, ReleaseNoteIdea, ReleaseNotePage, ReleaseNotesIndexPage

    from .cms import roadmap_world

    world = roadmap_world.build(cast["rnd"])
    roadmap_world.roadmap_page(wagtail_site)
    changelog = ReleaseNotesIndexPage(title="Changelog", slug="changelog", live=False)
    wagtail_site.add_child(instance=changelog)
    changelog.save_revision().publish()
    release = ReleaseNotePage(title="Spring", slug="spring", version="2.4", body="<p>Out</p>", live=False)
    release.shipped_ideas = [ReleaseNoteIdea(idea=world["night"]), ReleaseNoteIdea(idea=world["hidden"])]
    release.shipped_items = [ReleaseNoteBacklogItem(item=world["private_item"])]
    changelog.add_child(instance=release)
    release.save_revision(user=cast["administrator"]).publish()
    return world


CMS_CASES = [(path, persona) for path, expected in CMS_PAGES.items() for persona in expected]


@pytest.mark.parametrize("path, persona", CMS_CASES, ids=[f"GET {p} as {r}" for p, r in CMS_CASES])
def test_cms_pages(client, cast, cms_world, path, persona):
    from .cms.roadmap_world import SECRETS

    if persona != "anonymous":
        client.force_login(cast[persona])
    response = client.get(path)
    assert outcome_of(response) == CMS_PAGES[path][persona]
    html = response.content.decode()
    for secret in SECRETS:
        assert secret not in html, secret
    assert cms_world["hidden"].get_absolute_url() not in html
