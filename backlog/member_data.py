"""What the backlog holds about a member (community.member_data): the customer record imported from the
CRM, with its transactions and the offers recorded as brought to them, and the requests staff recorded for
that customer (proxy demand). All are in "download my data" (they are about them); deleting the account
removes the link between the record and the account (the record is the CRM's customer and stays, with its
requests, no longer tied to the account)."""

from django.conf import settings

from community.member_data import MemberData, iso

from .models import CustomerRecord
from .proxy import member_proxy_demand


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
                # What was predicted from their purchases (docs/clv.md): theirs to know on request.
                "expected_purchases": r.expected_purchases,
                "p_alive": r.p_alive,
                "predicted_clv": _number(r.predicted_clv),
                "predicted_at": iso(r.predicted_at) if r.predicted_at else None,
                "transactions": [
                    {
                        "date": t.occurred_on.isoformat(),
                        "amount": _number(t.amount),
                        "currency": t.currency or settings.COCREATE_CURRENCY,
                        "reference": t.reference,
                    }
                    for t in r.transactions.all()
                ],
                # Offers the customer department recorded bringing them (docs/clv.md "Next best offer").
                "offer_contacts": [
                    {
                        "offer": c.kind,
                        "about": c.target_title,
                        "channel": c.channel,
                        "note": c.note,
                        "at": iso(c.contacted_at),
                    }
                    for c in r.offer_contacts.all()
                ],
            }
            for r in CustomerRecord.objects.filter(member=member)
            .select_related("segment")
            .prefetch_related("transactions", "offer_contacts")
        ],
        # What staff recorded that this customer asked for (backlog.proxy), withdrawn ones too. Not who
        # recorded it, and never a value.
        "customer_requests": [
            {
                "idea_id": r.idea_id,
                "idea_title": r.idea.title,
                "source": r.source,
                "note": r.note,
                "link": r.link,
                "recorded_at": iso(r.recorded_at),
                "withdrawn_at": iso(r.withdrawn_at),
                "withdrawal_reason": r.withdrawal_reason,
            }
            for r in member_proxy_demand(member)
        ],
    }


def _number(value):
    return str(value) if value is not None else None  # decimals exactly as stored, not as floats


def erase(member) -> None:
    """The account goes, the CRM's customer stays: the record is unlinked from the member (as the
    foreign key's SET_NULL does when an account row is deleted outright)."""
    CustomerRecord.objects.filter(member=member).update(member=None)


MEMBER_DATA = MemberData(export=export, erase=erase)
