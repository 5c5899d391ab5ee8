"""The one way into the audit log. Every staff action calls `audit_record` in its own transaction."""

from django.utils.text import Truncator

from .models import AuditEntry


def audit_record(
    *,
    actor,
    action: str,
    kind: str,
    target_label: str,
    reason: str,
    object_id: int | None = None,
    member=None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry: who (None for the system), what, to what, why, and before/after values."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        kind=kind,
        object_id=object_id,
        target_label=Truncator(target_label).chars(200),
        member=member,
        reason=reason,
        before=before or {},
        after=after or {},
    )
