"""The audit log as people read it: field labels and human values before and after ("Status: New →
Planned"), and a link to what each entry is about. Values are stored as the services wrote them
(moderation.audit); everything here is presentation, computed for a page of entries at once, with one
query per kind of named object (products, segments, campaigns) whatever the number of entries.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import Segment
from community.roles import Role
from ideas.models import Idea, Visibility, campaign_model
from products.models import Product

from . import trust
from .models import Appeal, AuditEntry, Kind, VoteAlert

Action = AuditEntry.Action

LABELS = {
    "status": gettext_lazy("Status"),
    "visibility": gettext_lazy("Visibility"),
    "locked": gettext_lazy("Discussion locked"),
    "pinned": gettext_lazy("Pinned"),
    "merged_into": gettext_lazy("Merged into"),
    "title": gettext_lazy("Title"),
    "body": gettext_lazy("Text"),
    "display_name": gettext_lazy("Display name"),
    "bio": gettext_lazy("Bio"),
    "product": gettext_lazy("Product"),
    "segment": gettext_lazy("Segment"),
    "campaign": gettext_lazy("Campaign"),
    "suspended_until": gettext_lazy("Suspended until"),
    "banned": gettext_lazy("Banned"),
    "appeal": gettext_lazy("Appeal"),
    "decision": gettext_lazy("Decision"),
    "state": gettext_lazy("State"),
    "votes_discounted": gettext_lazy("Votes discounted"),
    "votes_restored": gettext_lazy("Votes restored"),
    "trust_level": gettext_lazy("Trust level"),
    "roles": gettext_lazy("Roles"),
    "managed_segments": gettext_lazy("Segments managed"),
    "role": gettext_lazy("Role"),
    "workflow_status": gettext_lazy("Workflow status"),
    "stage": gettext_lazy("Means"),
    "takes_votes": gettext_lazy("Takes votes"),
    "takes_comments": gettext_lazy("Takes comments"),
    "may_become": gettext_lazy("May become"),
}
CHOICES = {
    "status": dict(Idea.Status.choices),
    "visibility": dict(Visibility.choices),
    "appeal": dict(Appeal.State.choices),
    "state": {**dict(VoteAlert.State.choices)},
    "role": dict(Role.choices),
    "stage": dict(Idea.Status.choices),
}
NAMED_BY_ID = {"product": Product, "segment": Segment, "campaign": None}  # None: campaign_model()
# Role and segment changes concern staff accounts: they link to the administrators' member page.
STAFF_ACTIONS = {Action.GRANT_ROLE, Action.REVOKE_ROLE, Action.MANAGE_SEGMENTS}


@dataclass
class Value:
    text: str
    url: str = ""


@dataclass
class Change:
    label: str
    before: Value
    after: Value


def describe(entries) -> list:
    """Give each entry `changes` (a list of Change) and `target_url`; returns the entries."""
    entries = list(entries)
    names = _names_by_id(entries)
    for entry in entries:
        entry.changes = _changes(entry, names)
        entry.target_url = target_url(entry)
    return entries


def target_url(entry) -> str:
    """Where the entry's target can be seen (empty when it cannot: a target of an unknown kind)."""
    if entry.object_id is None:
        return ""
    if entry.kind == Kind.IDEA:
        return reverse("ideas:detail", kwargs={"pk": entry.object_id})
    if entry.kind in (Kind.COMMENT, Kind.PIN):
        return reverse("moderation:item", kwargs={"kind": entry.kind, "pk": entry.object_id})
    if entry.kind == Kind.MEMBER:
        if entry.action in STAFF_ACTIONS:
            return reverse("staff_members:member", kwargs={"pk": entry.object_id})
        return reverse("moderation:member", kwargs={"pk": entry.object_id})
    if entry.action == Action.WORKFLOW:
        return reverse("workflows:list")
    if entry.kind == "vote_alert":
        return reverse("moderation:votes")
    return ""


def _names_by_id(entries) -> dict:
    wanted: dict[str, set] = {}
    for entry in entries:
        for values in (entry.before, entry.after):
            for key, value in (values or {}).items():
                if key in NAMED_BY_ID and isinstance(value, int) and not isinstance(value, bool):
                    wanted.setdefault(key, set()).add(value)
    names = {}
    for key, ids in wanted.items():
        model = NAMED_BY_ID[key] or campaign_model()
        names[key] = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}
    return names


def _changes(entry, names) -> list[Change]:
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(
            label=str(LABELS.get(key, key.replace("_", " ").capitalize())),
            before=_value(key, before[key], names) if key in before else Value("—"),
            after=_value(key, after[key], names) if key in after else Value("—"),
        )
        for key in keys
    ]


def _value(key, value, names) -> Value:
    if value is None or value == [] or value == "":
        return Value(_("none"))
    if isinstance(value, bool):
        return Value(_("yes") if value else _("no"))
    if key in CHOICES:
        return Value(str(CHOICES[key].get(value, value)))
    if key == "roles":
        return Value(", ".join(str(Role(v).label) if v in Role.values else str(v) for v in value))
    if key == "merged_into":
        return Value(_("idea #%(id)s") % {"id": value}, reverse("ideas:detail", kwargs={"pk": value}))
    if key == "decision":
        return Value(
            _("decision #%(id)s") % {"id": value}, reverse("moderation:notice", kwargs={"pk": value})
        )
    if key in NAMED_BY_ID and isinstance(value, int):
        return Value(names.get(key, {}).get(value) or f"#{value}")
    if key == "trust_level" and isinstance(value, int):
        return Value(f"{value} ({trust.NAMES.get(min(value, trust.TRUSTED), '')})")
    if key == "suspended_until":
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return Value(str(value))
        return Value(date_format(timezone.localtime(moment), "DATETIME_FORMAT"))
    if isinstance(value, list):
        return Value(", ".join(str(v) for v in value))
    return Value(Truncator(" ".join(str(value).split())).chars(80))
