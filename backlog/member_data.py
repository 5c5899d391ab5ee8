"""What the backlog holds about a member (community.member_data): the customer record imported from the
CRM. It is in "download my data" (it is about them) and goes with the account (personal data too)."""

from community.member_data import MemberData, iso

from .models import CustomerRecord


def export(member) -> dict[str, list]:
    return {
        "customer_record": [
            {
                "external_id": r.external_id,
                "segment": r.segment.name if r.segment else None,
                "margin_per_period": _number(r.margin_per_period),
                "retention_rate": _number(r.retention_rate),
                "clv": _number(r.clv),
                "source": r.source,
                "imported_at": iso(r.imported_at),
            }
            for r in CustomerRecord.objects.filter(member=member).select_related("segment")
        ]
    }


def _number(value):
    return str(value) if value is not None else None  # decimals exactly as stored, not as floats


def erase(member) -> None:
    CustomerRecord.objects.filter(member=member).delete()


MEMBER_DATA = MemberData(export=export, erase=erase)
