"""Read side of moderation: the queue, an item's record, the audit log search."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from . import targets
from .models import Appeal, AuditEntry, Case, Flag

QUEUE_PAGE = 50
AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}


@dataclass
class QueueRow:
    case: Case
    target: targets.Target | None
    flags: list


def queue(*, reason: str = "", older_than: str = "", trust: int | None = None, state: str = "open"):
    """Open cases, oldest first, with their targets and flags in a fixed number of queries."""
    cases = Case.objects.filter(state=state).select_related("author")
    if reason == "spam":
        cases = cases.filter(
            Q(source=Case.Source.SPAM) | Exists(Flag.objects.filter(case=OuterRef("pk"), reason="spam"))
        )
    elif reason:
        cases = cases.filter(Exists(Flag.objects.filter(case=OuterRef("pk"), reason=reason)))
    if older_than in AGES:
        cases = cases.filter(opened_at__lte=timezone.now() - AGES[older_than])
    if trust is not None:
        cases = cases.filter(author__trust_level=trust)
    cases = list(cases.order_by("opened_at", "id")[:QUEUE_PAGE])
    flags: dict[int, list] = {}
    for flag in Flag.objects.filter(case__in=cases).select_related("reporter"):
        flags.setdefault(flag.case_id, []).append(flag)
    loaded = _load_targets(cases)
    return [QueueRow(case, loaded.get((case.kind, case.object_id)), flags.get(case.pk, [])) for case in cases]


def _load_targets(cases) -> dict:
    by_kind: dict[str, list[int]] = {}
    for case in cases:
        by_kind.setdefault(case.kind, []).append(case.object_id)
    found = {}
    for kind, ids in by_kind.items():
        model = targets._model(kind)
        related = {
            "comment": ["author", "idea"],
            "idea": ["author"],
            "pin": ["author", "screen__version__variant__prototype"],
        }
        queryset = model.objects.filter(pk__in=ids).select_related(*related.get(kind, []))
        for obj in queryset:
            found[(kind, obj.pk)] = targets.Target(kind, obj)
    return found


def item_history(*, kind: str, object_id: int):
    cases = list(Case.objects.filter(kind=kind, object_id=object_id).order_by("-opened_at"))
    flags = list(Flag.objects.filter(kind=kind, object_id=object_id).select_related("reporter"))
    entries = list(
        AuditEntry.objects.filter(kind=kind, object_id=object_id).select_related("actor", "member")[:100]
    )
    return cases, flags, entries


def audit_search(
    *, text: str = "", action: str = "", actor: str = "", kind: str = "", page: int = 1, per_page: int = 50
):
    entries = AuditEntry.objects.select_related("actor", "member")
    if text:
        entries = entries.filter(
            Q(reason__icontains=text)
            | Q(target_label__icontains=text)
            | Q(member__display_name__icontains=text)
            | Q(member__username__icontains=text)
        )  # fmt: skip
    if action:
        entries = entries.filter(action=action)
    if kind:
        entries = entries.filter(kind=kind)
    if actor == "system":
        entries = entries.filter(actor__isnull=True)
    elif actor:
        entries = entries.filter(
            Q(actor__display_name__icontains=actor) | Q(actor__username__icontains=actor)
        )
    start = (page - 1) * per_page
    rows = list(entries[start : start + per_page + 1])
    return rows[:per_page], len(rows) > per_page


def pending_appeals():
    return list(
        Appeal.objects.filter(state=Appeal.State.PENDING).select_related("member", "entry", "entry__actor")
    )


def attach_notes(kind: str, objects) -> None:
    """Give each hidden or held object its latest hide/hold decision as `moderation_note`, so its author
    reads why (one query, and none when everything is public)."""
    waiting = {
        obj.pk: obj for obj in objects if obj.visibility != "public" and not getattr(obj, "tombstone", False)
    }
    if not waiting:
        return
    entries = AuditEntry.objects.filter(
        kind=kind, object_id__in=list(waiting), action__in=[AuditEntry.Action.HIDE, AuditEntry.Action.HOLD]
    ).order_by("created_at", "id")
    for entry in entries:
        waiting[entry.object_id].moderation_note = entry
