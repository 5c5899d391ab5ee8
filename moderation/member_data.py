"""What the moderation app holds about a member, for "download my data" (community.member_data): the
reports they made, their appeals, and the sanctions decided about them. Kept with a deleted account:
the audit trail is append-only (moderation.models.AuditEntry)."""

from community.member_data import MemberData, iso

from .models import Appeal, Flag, Sanction


def export(member) -> dict[str, list]:
    return {
        "flags": [
            {
                "kind": f.kind,
                "target": f.object_id,
                "reason": f.reason,
                "details": f.text,
                "created_at": iso(f.created_at),
            }
            for f in Flag.objects.filter(reporter=member).order_by("pk")
        ],
        "appeals": [
            {
                "text": a.text,
                "state": a.state,
                "created_at": iso(a.created_at),
                "decided_at": iso(a.decided_at),
                "decision_note": a.decision_note,
            }
            for a in Appeal.objects.filter(member=member).order_by("pk")
        ],
        "sanctions": [
            {
                "type": s.type,
                "reason": s.reason,
                "created_at": iso(s.created_at),
                "ends_at": iso(s.ends_at),
                "lifted_at": iso(s.lifted_at),
            }
            for s in Sanction.objects.filter(member=member).order_by("pk")
        ],
    }


MEMBER_DATA = MemberData(export=export)
