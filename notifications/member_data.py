"""What the notifications app holds about a member, for "download my data" (community.member_data):
their own email choices per kind and the notifications they were sent. Erased with the account: they
are addressed to the member and written by nobody."""

from community.member_data import MemberData, iso

from .models import EmailPreference, Notification


def export(member) -> dict[str, list]:
    return {
        "email_preferences": [
            {"kind": p.kind, "cadence": p.cadence, "updated_at": iso(p.updated_at)}
            for p in EmailPreference.objects.filter(member=member).order_by("kind")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "message": n.message,
                "url": n.url,
                "created_at": iso(n.created_at),
                "read_at": iso(n.read_at),
                "emailed_at": iso(n.emailed_at),
            }
            for n in Notification.objects.filter(recipient=member).order_by("pk")
        ],
    }


def erase(member) -> None:
    EmailPreference.objects.filter(member=member).delete()
    Notification.objects.filter(recipient=member).delete()


MEMBER_DATA = MemberData(export=export, erase=erase)
