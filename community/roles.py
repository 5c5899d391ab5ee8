"""Roles are auth groups with permissions; this module is the one place that says which.

The groups are created by migration community/0003 and kept in step by `sync_roles()`; the role matrix in
docs/roles.md describes the same table for people.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    RND = "rnd", _("R&D")
    CUSTOMER_MANAGER = "customer_manager", _("Customer manager")
    MODERATOR = "moderator", _("Moderator")
    ADMINISTRATOR = "administrator", _("Administrator")
    CCO = "cco", _("Chief customer officer")


GROUP_NAMES = {
    Role.CUSTOMER: "Customer",
    Role.RND: "R&D",
    Role.CUSTOMER_MANAGER: "Customer manager",
    Role.MODERATOR: "Community moderator",  # "Moderators" is Wagtail's own CMS group
    Role.ADMINISTRATOR: "Administrator",
    Role.CCO: "Chief customer officer",
}

# Staff roles need two-factor authentication before any staff page.
STAFF_ROLES = {Role.RND, Role.CUSTOMER_MANAGER, Role.MODERATOR, Role.ADMINISTRATOR, Role.CCO}

ROLE_PERMISSIONS = {
    Role.CUSTOMER: [],
    Role.RND: [
        "ideas.change_idea_status",
        "ideas.post_official_response",
        "community.view_member_details",
        "prototypes.publish_prototype",
        "prototypes.view_results",
    ],
    Role.CUSTOMER_MANAGER: [
        "ideas.post_official_response",
        "community.view_member_details",
        "community.assign_segment",
    ],
    Role.MODERATOR: [
        "ideas.moderate_content",
        "community.view_member_details",
    ],
    Role.ADMINISTRATOR: [
        "ideas.change_idea_status",
        "ideas.post_official_response",
        "ideas.moderate_content",
        "community.view_member_details",
        "community.assign_segment",
        "community.grant_role",
        "wagtailadmin.access_admin",
        "prototypes.publish_prototype",
        "prototypes.view_results",
    ],
    Role.CCO: [],
}


# Backlog, triage and customer value (docs/clv.md). Customer managers see member values only in the
# segments they manage (checked per segment by the views); R&D and administrators in every segment.
ROLE_PERMISSIONS[Role.RND] += [
    "backlog.view_backlog",
    "backlog.manage_backlog",
    "backlog.triage_idea",
    "backlog.view_segments",
    "backlog.view_member_value",
    "backlog.view_all_member_values",
    "backlog.record_proxy_demand",
]
ROLE_PERMISSIONS[Role.CUSTOMER_MANAGER] += [
    "backlog.view_backlog",
    "backlog.view_segments",
    "backlog.view_member_value",
    "backlog.import_customers",
    "backlog.record_proxy_demand",
]
ROLE_PERMISSIONS[Role.ADMINISTRATOR] += [
    "backlog.view_backlog",
    "backlog.manage_backlog",
    "backlog.triage_idea",
    "backlog.view_segments",
    "backlog.view_member_value",
    "backlog.view_all_member_values",
    "backlog.import_customers",
    "backlog.record_proxy_demand",
]


def sync_roles(group_model, permission_model) -> None:
    """Create the role groups and give each exactly its permissions (idempotent; used by migrations).

    On a fresh database community/0003 runs before apps migrated later (backlog, …): their permissions
    do not exist yet and are skipped here; each such app's own role migration calls this again.
    tests/community/test_roles.py checks that every listed permission ends up granted.
    """
    for role, group_name in GROUP_NAMES.items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        permissions = []
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


# Moderation (moderation app): moderators act on content and members, review votes, read the audit log.
MODERATION_PERMISSIONS = [
    "moderation.moderate_members",
    "moderation.review_votes",
    "moderation.view_audit_log",
]
ROLE_PERMISSIONS[Role.MODERATOR] += MODERATION_PERMISSIONS
ROLE_PERMISSIONS[Role.ADMINISTRATOR] += MODERATION_PERMISSIONS


# The chief customer officer (issue 20 part 7): reads the customer department's figures over every
# segment — segment dashboards, members' values, CLV fits, customers at risk, the customer overview and
# the outreach lists — and changes nothing (no import, refit, estimate, contact or backlog permission).
ROLE_PERMISSIONS[Role.CCO] += [
    "backlog.view_segments",
    "backlog.view_member_value",
    "backlog.view_all_member_values",
    "backlog.view_customer_overview",
]
CUSTOMER_DEPARTMENT_PERMISSIONS = [
    "backlog.view_customer_overview",
    "backlog.keep_market_estimates",
    "backlog.record_offer_contacts",
]
ROLE_PERMISSIONS[Role.CUSTOMER_MANAGER] += CUSTOMER_DEPARTMENT_PERMISSIONS
ROLE_PERMISSIONS[Role.ADMINISTRATOR] += CUSTOMER_DEPARTMENT_PERMISSIONS
