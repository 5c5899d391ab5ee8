"""What each role may do: every permission predicate of the site, in one place.

Roles grant Django permissions (community/roles.py, described for people in docs/roles.md); these
predicates turn them into answers. Querysets, selectors, services, views and the decorators of
community/access.py ask here instead of writing `user.is_staff and user.has_perm(...)` themselves, so a
rule changes in one line. Each predicate takes the user (a Member or AnonymousUser) and, where the answer
depends on it, the object; it changes nothing and is safe to call on every request.

Staff permissions count only for staff (`is_staff`, kept in step with the roles by
community.services): a customer's check costs no permission lookup, and a permission left behind on a
former staff member grants nothing.

This module sits at the bottom of the app layers: it reads attributes of the objects it is given
(`idea.author_id`, `comment.is_official`, `segment.managers`) and imports no other app.
"""


def is_staff_with(user, *permissions: str) -> bool:
    """A logged-in staff member holding at least one of `permissions` (dotted, "app.codename")."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_staff
        and any(user.has_perm(permission) for permission in permissions)
    )


# Content: ideas and comments -----------------------------------------------------------------------


def may_moderate(user) -> bool:
    """Community moderators and administrators: the moderation queue, hide, restore, lock, move, and
    edit anyone's idea or comment with a reason recorded in the audit log."""
    return is_staff_with(user, "ideas.moderate_content")


def may_see_hidden_content(user) -> bool:
    """Who sees every hidden or held idea and comment (everyone else sees their own and public ones)."""
    return may_moderate(user)


def may_edit_idea(user, idea) -> bool:
    """The author, while they may contribute (verified, not suspended or banned). Moderators edit
    anyone's idea too, but only through the moderation page, which records their reason."""
    return bool(user.is_authenticated and user.pk == idea.author_id and user.may_contribute)


def may_edit_comment(user, comment) -> bool:
    """The comment's author, while they may contribute; moderators as for ideas. The answer depends on the
    viewer and on whether they wrote the comment, never on which other member did: the idea page asks it
    once for the viewer's comments and once for everyone else's (ideas.fragments.idea_page_for_member)."""
    return bool(user.is_authenticated and user.pk == comment.author_id and user.may_contribute)


def may_see_history(user, idea) -> bool:
    """An idea's edits, status changes and merges: its author and staff."""
    return bool(user.is_authenticated and (user.pk == idea.author_id or user.is_staff))


def may_change_status(user) -> bool:
    """R&D and administrators move ideas along the public status workflow."""
    return is_staff_with(user, "ideas.change_idea_status")


def may_merge(user) -> bool:
    """Merging duplicates (and undoing a merge): whoever changes statuses, and moderators."""
    return is_staff_with(user, "ideas.change_idea_status", "ideas.moderate_content")


def may_post_official(user) -> bool:
    """R&D, customer managers and administrators mark a comment as an official response."""
    return is_staff_with(user, "ideas.post_official_response")


def may_pin_comments(user) -> bool:
    """Whether `user` may pin some comment (shows the pin buttons; may_pin decides per comment)."""
    return may_post_official(user) or may_moderate(user)


def may_pin(user, comment) -> bool:
    """Official responses are pinned by those who post them; moderators pin (and unpin) any comment."""
    return may_moderate(user) or (comment.is_official and may_post_official(user))


def may_see_internal_notes(user) -> bool:
    """Staff notes on ideas (read): every staff role (R&D, customer managers, moderators, administrators,
    the chief customer officer). Customers and visitors never see them, nor that they exist."""
    return bool(user is not None and user.is_authenticated and user.is_staff)


def may_write_internal_notes(user) -> bool:
    """Staff notes on ideas (write): the staff who speak for the company or moderate (R&D, customer
    managers, moderators, administrators). The chief customer officer's role is read-only: reads them."""
    return may_see_internal_notes(user) and (may_post_official(user) or may_moderate(user))


def may_own_work(user) -> bool:
    """Who may be an idea's or a backlog item's owner: R&D and administrators (those who triage)."""
    return is_staff_with(user, "backlog.triage_idea")


def may_assign_idea_owner(user) -> bool:
    """R&D and administrators (those who triage) choose an idea's owner."""
    return is_staff_with(user, "backlog.triage_idea")


def may_define_evaluation(user) -> bool:
    """R&D and administrators define a product's expert evaluation: its criteria and its evaluators."""
    return is_staff_with(user, "backlog.manage_backlog")


def may_be_evaluator(user) -> bool:
    """Who may be named to score ideas (ideas.evaluation): R&D and administrators. Only those named
    for the idea's product score it (the service checks the row)."""
    return may_own_work(user)


def may_see_evaluations(user) -> bool:
    """Expert scores are internal: R&D, customer managers and administrators (those who read the
    backlog) see them; customers never, nor the API's customer endpoints, nor search."""
    return may_view_backlog(user)


# Prototypes -----------------------------------------------------------------------------------------


def may_publish_prototypes(user) -> bool:
    """R&D and administrators create, change and publish prototypes, and see unpublished ones."""
    return is_staff_with(user, "prototypes.publish_prototype")


def may_see_prototype_results(user) -> bool:
    """R&D and administrators read the ratings, comparisons and survey answers of a prototype."""
    return is_staff_with(user, "prototypes.view_results")


# Members, segments and roles ------------------------------------------------------------------------


def may_see_member_details(viewer, member) -> bool:
    """A member's segments and roles: the member themself, and staff with member access."""
    return bool(
        viewer.is_authenticated
        and (viewer.pk == member.pk or is_staff_with(viewer, "community.view_member_details"))
    )


def may_see_private_segments(user) -> bool:
    """Private segments are internal customer data: only staff see them (e.g. as search facets)."""
    return bool(user is not None and user.is_authenticated and user.is_staff)


def may_assign_segments(user) -> bool:
    """Customer managers (in the segments they manage) and administrators (in all) assign members."""
    return is_staff_with(user, "community.assign_segment")


def manages_every_segment(user) -> bool:
    """Administrators act for every segment; customer managers only for those listing them as managers
    (`segment.managers`)."""
    return bool(user.is_authenticated and user.is_superuser)


def may_assign_segment(user, segment) -> bool:
    """`user` may add members to and remove them from this segment."""
    return may_assign_segments(user) and (
        manages_every_segment(user) or segment.managers.filter(pk=user.pk).exists()
    )


def may_follow_segment(user, segment=None) -> bool:
    """Customer managers and administrators follow segments (new ideas filed under them); customers and
    other staff follow tags, products, campaigns, prototypes and ideas instead. Any segment they see,
    not only those they manage: a manager covering for a colleague follows theirs too."""
    return may_assign_segments(user)


def may_grant_roles(user) -> bool:
    """Administrators grant and revoke roles (the staff member pages, /staff/members/)."""
    return is_staff_with(user, "community.grant_role")


def may_define_workflows(user) -> bool:
    """Administrators define each product's status workflow (/staff/workflows/, ideas.workflow)."""
    return may_grant_roles(user)


def may_assign_segment_managers(user) -> bool:
    """Administrators choose which customer managers manage which segments."""
    return may_grant_roles(user)


# Staff workspace -----------------------------------------------------------------------------------


def may_use_workspace(user) -> bool:
    """Every staff role has a workspace (/workspace/): what waits for it and what changed; each panel
    on it is shown only to the roles the panel's own predicate allows."""
    return bool(user is not None and user.is_authenticated and user.is_staff)


# Backlog and customer value -------------------------------------------------------------------------


def may_view_backlog(user) -> bool:
    """R&D, customer managers (read only) and administrators read the backlog."""
    return is_staff_with(user, "backlog.view_backlog")


def may_manage_backlog(user) -> bool:
    """R&D and administrators create and edit backlog items and set the priority weights."""
    return is_staff_with(user, "backlog.manage_backlog")


def may_plan_releases(user) -> bool:
    """R&D and administrators plan releases within capacity and save a plan as a release (it is their
    capacity and their commitment)."""
    return is_staff_with(user, "backlog.manage_backlog")


def may_view_releases(user) -> bool:
    """Saved releases and their items: whoever reads the backlog (R&D, administrators, and customer
    managers read only, to tell their customers what is coming). Customers never see them."""
    return may_view_backlog(user)


def may_manage_webhooks(user) -> bool:
    """R&D and administrators configure outgoing webhooks, read their delivery logs and replay them.
    The same permission as the backlog's: the events describe the work R&D plans."""
    return is_staff_with(user, "backlog.manage_backlog")


def may_triage(user) -> bool:
    """R&D and administrators work the triage queue (tag, link, merge, decline ideas)."""
    return is_staff_with(user, "backlog.triage_idea")


def may_view_segment_dashboards(user) -> bool:
    """R&D, customer managers and administrators read the segment dashboards."""
    return is_staff_with(user, "backlog.view_segments")


def may_see_member_values(user) -> bool:
    """Whether `user` sees members' customer value in some segment (may_see_segment_values: which)."""
    return is_staff_with(user, "backlog.view_member_value")


def may_see_all_member_values(user) -> bool:
    """R&D and administrators see member values in every segment."""
    return may_see_member_values(user) and user.has_perm("backlog.view_all_member_values")


def may_see_segment_values(user, segment) -> bool:
    """Members' customer values in this segment: R&D and administrators in every segment, customer
    managers in the segments they manage."""
    if not may_see_member_values(user):
        return False
    return may_see_all_member_values(user) or segment.managers.filter(pk=user.pk).exists()


def may_import_customers(user) -> bool:
    """Customer managers (for their segments) and administrators import CRM customer values."""
    return is_staff_with(user, "backlog.import_customers")


def may_record_proxy_demand(user) -> bool:
    """R&D, customer managers and administrators record that a CRM customer asked for an idea (proxy
    demand, docs/clv.md) and withdraw such records; for which customers: may_record_proxy_demand_for."""
    return is_staff_with(user, "backlog.record_proxy_demand")


def may_record_proxy_demand_for(user, customer) -> bool:
    """For this CRM customer (a backlog.CustomerRecord): R&D and administrators for every customer,
    customer managers for customers of the segments they manage (the record's `segment`; a customer in
    no segment is nobody's to speak for but theirs)."""
    if not may_record_proxy_demand(user):
        return False
    if may_see_all_member_values(user) or manages_every_segment(user):
        return True
    return customer.segment_id is not None and customer.segment.managers.filter(pk=user.pk).exists()


def may_view_clv_fits(user) -> bool:
    """R&D, customer managers and administrators see the CLV fits (parameters and diagnostics: no one
    customer's value)."""
    return may_view_segment_dashboards(user)


def may_run_clv_fit(user) -> bool:
    """Those who import customers and transactions (customer managers, administrators) start a refit."""
    return may_import_customers(user)


def may_see_customers_at_risk(user) -> bool:
    """Staff who see members' values see the at-risk customers of the segments whose values they see
    (customer managers: their segments; R&D and administrators: every segment)."""
    return may_see_member_values(user)


# Moderation of members, votes and the audit log -----------------------------------------------------


def may_moderate_members(user) -> bool:
    """Moderators and administrators warn, suspend and ban members, set trust levels, decide appeals."""
    return is_staff_with(user, "moderation.moderate_members")


def may_sanction(user, member) -> bool:
    """Warnings, suspensions and bans are for members, never for staff or oneself: administrators
    manage staff accounts through their roles."""
    return may_moderate_members(user) and member.pk != user.pk and not member.is_staff


def may_review_votes(user) -> bool:
    """Moderators and administrators review suspicious voting and discount or restore votes."""
    return is_staff_with(user, "moderation.review_votes")


def may_read_audit_log(user) -> bool:
    """Moderators and administrators read the audit log."""
    return is_staff_with(user, "moderation.view_audit_log")


# The customer department (issue 20 parts 7 and 8; docs/clv.md "Customer-equity share", "Next best offer")


def may_view_customer_overview(user) -> bool:
    """The customer overview (customer equity, equity share, CLV and their trends) and the outreach
    lists: the chief customer officer, customer managers and administrators. Customers never."""
    return is_staff_with(user, "backlog.view_customer_overview")


def may_see_every_customer(user) -> bool:
    """Outreach and market estimates over every segment: administrators and the chief customer officer;
    customer managers see the segments they manage."""
    return may_view_customer_overview(user) and (
        manages_every_segment(user) or user.has_perm("backlog.view_all_member_values")
    )


def may_keep_market_estimates(user) -> bool:
    """Customer managers (for their segments) and administrators (for all) record market estimates."""
    return is_staff_with(user, "backlog.keep_market_estimates")


def may_keep_market_estimate(user, segment) -> bool:
    """`user` may record a new market estimate for this segment."""
    return may_keep_market_estimates(user) and (
        manages_every_segment(user) or segment.managers.filter(pk=user.pk).exists()
    )


def may_record_offer_contacts(user) -> bool:
    """Customer managers (their segments' customers) and administrators record that an offer was made."""
    return is_staff_with(user, "backlog.record_offer_contacts")


def may_record_offer_contact(user, customer) -> bool:
    """`user` may record a contact with this customer (a CRM record): its segment is theirs."""
    if not may_record_offer_contacts(user):
        return False
    if manages_every_segment(user):
        return True
    return customer.segment_id is not None and customer.segment.managers.filter(pk=user.pk).exists()
