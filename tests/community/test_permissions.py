"""Every predicate of community/permissions.py, asked for each persona of the cast (docs/roles.md)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from community import permissions
from community.roles import Role

from ..factories import MemberFactory, SegmentFactory, with_role

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "customer",
    "unverified",
    "suspended",
    "rnd",
    "customer_manager",
    "moderator",
    "administrator",
    "cco",
]


@pytest.fixture
def cast(alice, nora, rita, carl, mona, adam, cora):
    return {
        "anonymous": AnonymousUser(),
        "customer": alice,
        "unverified": nora,
        "suspended": MemberFactory(username="sam", suspended_until=timezone.now() + timedelta(days=3)),
        "rnd": rita,
        "customer_manager": carl,
        "moderator": mona,
        "administrator": adam,
        "cco": cora,
    }


# predicate → the personas for whom it holds (everyone else: it does not).
ROLE_PREDICATES = {
    "may_moderate": {"moderator", "administrator"},
    "may_see_hidden_content": {"moderator", "administrator"},
    "may_change_status": {"rnd", "administrator"},
    "may_merge": {"rnd", "moderator", "administrator"},
    "may_post_official": {"rnd", "customer_manager", "administrator"},
    "may_pin_comments": {"rnd", "customer_manager", "moderator", "administrator"},
    "may_publish_prototypes": {"rnd", "administrator"},
    "may_see_prototype_results": {"rnd", "administrator"},
    "may_see_private_segments": {"rnd", "customer_manager", "moderator", "administrator", "cco"},
    "may_assign_segments": {"customer_manager", "administrator"},
    "may_follow_segment": {"customer_manager", "administrator"},
    "manages_every_segment": {"administrator"},
    "may_grant_roles": {"administrator"},
    "may_assign_segment_managers": {"administrator"},
    "may_use_workspace": {"rnd", "customer_manager", "moderator", "administrator", "cco"},
    "may_view_backlog": {"rnd", "customer_manager", "administrator"},
    "may_manage_backlog": {"rnd", "administrator"},
    "may_manage_webhooks": {"rnd", "administrator"},
    "may_triage": {"rnd", "administrator"},
    "may_view_segment_dashboards": {"rnd", "customer_manager", "administrator", "cco"},
    "may_see_member_values": {"rnd", "customer_manager", "administrator", "cco"},
    "may_see_all_member_values": {"rnd", "administrator", "cco"},
    "may_import_customers": {"customer_manager", "administrator"},
    "may_moderate_members": {"moderator", "administrator"},
    "may_review_votes": {"moderator", "administrator"},
    "may_read_audit_log": {"moderator", "administrator"},
    "may_write_internal_notes": {"rnd", "customer_manager", "moderator", "administrator"},
    "may_see_internal_notes": {"rnd", "customer_manager", "moderator", "administrator", "cco"},
    "may_own_work": {"rnd", "administrator"},
    "may_assign_idea_owner": {"rnd", "administrator"},
    "may_define_workflows": {"administrator"},
    "may_define_evaluation": {"rnd", "administrator"},
    "may_be_evaluator": {"rnd", "administrator"},
    "may_see_evaluations": {"rnd", "customer_manager", "administrator"},
    "may_view_customer_overview": {"customer_manager", "administrator", "cco"},
    "may_see_every_customer": {"administrator", "cco"},
    "may_keep_market_estimates": {"customer_manager", "administrator"},
    "may_record_offer_contacts": {"customer_manager", "administrator"},
    # Issue 20: release planning, CLV fits, equity at risk, customer requests (docs/clv.md "Who sees what")
    "may_plan_releases": {"rnd", "administrator"},
    "may_view_releases": {"rnd", "customer_manager", "administrator"},
    "may_run_clv_fit": {"customer_manager", "administrator"},
    "may_view_clv_fits": {"rnd", "customer_manager", "administrator", "cco"},
    "may_see_customers_at_risk": {"rnd", "customer_manager", "administrator", "cco"},
    "may_record_proxy_demand": {"rnd", "customer_manager", "administrator"},
}


def test_every_predicate_is_in_this_file():
    """A new predicate must say here whom it lets through."""
    covered = {
        *ROLE_PREDICATES,
        "is_staff_with",
        "may_edit_idea",
        "may_edit_comment",
        "may_see_history",
        "may_pin",
        "may_assign_segment",
        "may_see_segment_values",
        "may_see_member_details",
        "may_sanction",
        "may_keep_market_estimate",
        "may_record_offer_contact",
        "may_record_proxy_demand_for",  # per customer: tests/backlog/test_proxy.py
    }
    defined = {name for name in vars(permissions) if name.startswith(("may_", "is_", "manages_"))}
    assert defined == covered


@pytest.mark.parametrize("predicate", sorted(ROLE_PREDICATES))
def test_role_predicates(cast, predicate):
    answers = {persona: getattr(permissions, predicate)(cast[persona]) for persona in PERSONAS}
    assert {persona for persona, yes in answers.items() if yes} == ROLE_PREDICATES[predicate]
    assert all(isinstance(yes, bool) for yes in answers.values())


def test_staff_permissions_count_only_for_staff(rita):
    """A permission left on an account that is no longer staff grants nothing."""
    rita.is_staff = False
    assert rita.has_perm("ideas.change_idea_status")
    assert not permissions.may_change_status(rita)
    assert not permissions.is_staff_with(None, "ideas.change_idea_status")


def test_only_the_author_edits_while_they_may_contribute(cast):
    for persona in PERSONAS:
        user = cast[persona]
        own = SimpleNamespace(author_id=user.pk if user.is_authenticated else -1)
        someone_elses = SimpleNamespace(author_id=MemberFactory().pk)
        # Moderators edit others' posts only through the moderation page, not with these predicates.
        assert not permissions.may_edit_idea(user, someone_elses)
        assert not permissions.may_edit_comment(user, someone_elses)
        allowed = persona not in {"anonymous", "unverified", "suspended"}
        assert permissions.may_edit_idea(user, own) is allowed, persona
        assert permissions.may_edit_comment(user, own) is allowed, persona


def test_history_is_for_the_author_and_staff(cast):
    idea = SimpleNamespace(author_id=cast["customer"].pk)
    allowed = {
        p
        for p in PERSONAS
        if p in {"customer", "rnd", "customer_manager", "moderator", "administrator", "cco"}
    }
    assert {p for p in PERSONAS if permissions.may_see_history(cast[p], idea)} == allowed


def test_official_responses_are_pinned_by_their_posters_anything_by_moderators(cast):
    official = SimpleNamespace(is_official=True)
    plain = SimpleNamespace(is_official=False)
    assert {p for p in PERSONAS if permissions.may_pin(cast[p], official)} == {
        "rnd",
        "customer_manager",
        "moderator",
        "administrator",
    }
    assert {p for p in PERSONAS if permissions.may_pin(cast[p], plain)} == {"moderator", "administrator"}


def test_segments_are_assigned_and_valued_by_their_managers(cast):
    managed, other = SegmentFactory(), SegmentFactory()
    managed.managers.add(cast["customer_manager"])
    assert {p for p in PERSONAS if permissions.may_assign_segment(cast[p], managed)} == {
        "customer_manager",
        "administrator",
    }
    assert {p for p in PERSONAS if permissions.may_assign_segment(cast[p], other)} == {"administrator"}
    # The chief customer officer reads every segment's values (and assigns none).
    assert {p for p in PERSONAS if permissions.may_see_segment_values(cast[p], managed)} == {
        "rnd",
        "customer_manager",
        "administrator",
        "cco",
    }
    assert {p for p in PERSONAS if permissions.may_see_segment_values(cast[p], other)} == {
        "rnd",
        "administrator",
        "cco",
    }


def test_member_details_are_for_the_member_and_staff(cast):
    member = cast["customer"]
    assert {p for p in PERSONAS if permissions.may_see_member_details(cast[p], member)} == {
        "customer",
        "rnd",
        "customer_manager",
        "moderator",
        "administrator",
    }


def test_sanctions_are_for_members_not_staff_or_oneself(cast):
    moderator = cast["moderator"]
    assert permissions.may_sanction(moderator, cast["customer"])
    assert permissions.may_sanction(moderator, cast["suspended"])
    assert not permissions.may_sanction(moderator, cast["rnd"])
    assert not permissions.may_sanction(moderator, moderator)
    assert not permissions.may_sanction(cast["rnd"], cast["customer"])
    assert not permissions.may_sanction(cast["anonymous"], cast["customer"])


def test_a_role_granted_later_counts(alice):
    assert not permissions.may_moderate(alice)
    alice = with_role(alice, Role.MODERATOR)
    assert permissions.may_moderate(alice)
