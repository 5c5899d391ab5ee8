"""The staff workspace (/workspace/): what waits for me, and what changed since my last visit.

Each panel is shown only to the roles whose predicate (community.permissions) lets them handle it, and
reads with a fixed number of queries however much data there is (tests/backlog/test_workspace.py pins
them per role). "Ideas assigned to me" lists the ideas the viewer owns (Idea.owner).
This lives in the backlog app because it is the highest layer that reads both triage and moderation.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import permissions
from community.models import Segment
from ideas.models import Idea, StatusChange
from moderation.models import Appeal, Case, VoteAlert

from .models import BacklogItem, TriageAction
from .selectors import untriaged_ideas

# On a first visit "what changed" covers the last week.
FIRST_VISIT_WINDOW = timedelta(days=7)
RECENT = 10


@dataclass
class Waiting:
    """A kind of work waiting for the viewer: how much, since when, and the page that handles it."""

    label: str
    count: int
    oldest: datetime | None
    url: str


@dataclass
class Changes:
    since: datetime
    first_visit: bool
    new_ideas: int = 0
    status_changes: list = field(default_factory=list)
    triage: list = field(default_factory=list)
    items: list = field(default_factory=list)
    new_cases: int = 0


def _oldest_and_count(queryset, date_field: str) -> tuple[int, datetime | None]:
    row = queryset.aggregate(count=Count("pk"), oldest=Min(date_field))
    return row["count"], row["oldest"]


def workspace_waiting(user) -> list[Waiting]:
    """The queues the viewer works, each with its count and the age of its oldest entry."""
    waiting = []
    if permissions.may_triage(user):
        count, oldest = _oldest_and_count(untriaged_ideas(), "created_at")
        waiting.append(Waiting(_("Untriaged ideas"), count, oldest, reverse("backlog:triage")))
    if permissions.may_moderate(user):
        open_cases = Case.objects.filter(state=Case.State.OPEN)
        row = open_cases.aggregate(
            held_count=Count("pk", filter=Q(held=True)),
            held_oldest=Min("opened_at", filter=Q(held=True)),
            flagged_count=Count("pk", filter=Q(held=False)),
            flagged_oldest=Min("opened_at", filter=Q(held=False)),
        )
        queue = reverse("moderation:queue")
        waiting.append(Waiting(_("Held posts"), row["held_count"], row["held_oldest"], queue))
        waiting.append(Waiting(_("Open flags"), row["flagged_count"], row["flagged_oldest"], queue))
    if permissions.may_moderate_members(user):
        count, oldest = _oldest_and_count(Appeal.objects.filter(state=Appeal.State.PENDING), "created_at")
        waiting.append(Waiting(_("Appeals"), count, oldest, reverse("moderation:appeals")))
    if permissions.may_review_votes(user):
        count, oldest = _oldest_and_count(VoteAlert.objects.filter(state=VoteAlert.State.OPEN), "detected_at")
        waiting.append(Waiting(_("Vote alerts"), count, oldest, reverse("moderation:votes")))
    return waiting


@dataclass
class Assigned:
    """The ideas the viewer owns: how many, and the most recently active few."""

    count: int
    ideas: list


def workspace_assigned(user) -> Assigned | None:
    """Ideas assigned to the viewer (not merged ones: they live on in their target), for those who may
    own work; None for other roles. Queries: count, list."""
    if not permissions.may_own_work(user):
        return None
    owned = Idea.objects.filter(owner=user, merged_into=None)
    ideas = list(owned.defer("body", "body_html").order_by("-last_activity_at", "-pk")[:RECENT])
    return Assigned(count=owned.count(), ideas=ideas)


def workspace_changes(user, *, since: datetime | None) -> Changes:
    """What changed since `since` (the previous visit; the last week on a first visit) that the viewer's
    roles care about: ideas and their statuses, triage decisions and backlog items, moderation cases."""
    first_visit = since is None
    since = since or timezone.now() - FIRST_VISIT_WINDOW
    changes = Changes(since=since, first_visit=first_visit)
    if permissions.may_view_backlog(user) or permissions.may_moderate(user):
        changes.new_ideas = Idea.objects.listed().filter(created_at__gte=since).count()
    if permissions.may_view_backlog(user):
        changes.status_changes = list(
            StatusChange.objects.filter(created_at__gte=since)
            .select_related("idea")
            .defer("idea__body", "idea__body_html")
            .order_by("-created_at", "-pk")[:RECENT]
        )
        changes.triage = list(
            TriageAction.objects.filter(created_at__gte=since)
            .select_related("idea", "actor", "backlog_item")
            .defer("idea__body", "idea__body_html")
            .order_by("-created_at", "-pk")[:RECENT]
        )
        changes.items = list(
            BacklogItem.objects.filter(updated_at__gte=since)
            .select_related("product")
            .order_by("-updated_at", "-pk")[:RECENT]
        )
    if permissions.may_moderate(user):
        changes.new_cases = Case.objects.filter(opened_at__gte=since).count()
    return changes


def workspace_segments(user) -> list[Segment]:
    """The segments a customer manager manages (administrators and R&D reach all from Segments)."""
    if not permissions.may_view_segment_dashboards(user) or permissions.may_see_all_member_values(user):
        return []
    return list(Segment.objects.filter(managers=user).order_by("name"))
