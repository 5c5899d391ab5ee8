"""Customer voice beyond votes (proxy demand): R&D and customer managers record that a CRM customer asked
for an idea — in a sales call, a support ticket, an interview or a survey. The customer need not be a
member. docs/clv.md, "Customer voice beyond votes", has the rules; in short:

- A live record (not withdrawn) counts in the idea's demand with the customer's CLV
  (`CustomerRecord.value`: predicted from purchases, else as imported, the same value member votes use),
  shown apart from member votes ("Asked through sales/support") and in a combined total.
- A customer counts once per idea (or backlog item) however many records name them, and not at all in the
  proxy column when their linked member up-voted it: they are already a supporter.
- Proxy customers are not in the extrapolation to the market (that scales the share of *members*
  supporting) nor in the priority score: they are known customers, not a sample.
- Recording and withdrawing are audited (moderation.audit); nothing is deleted: a record is withdrawn
  (withdrawn_at/by/reason) and may be recorded again afterwards.
- Customer managers act only for customers of the segments they manage
  (community.permissions.may_record_proxy_demand_for; customers_for is its queryset form).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from community import permissions
from ideas.models import Idea
from moderation.audit import audit_record
from moderation.models import AuditEntry
from voting.models import Vote

from .demand import Demand, money
from .models import CustomerRecord, ProxyDemand, customer_value

AUDIT_KIND = "proxy_demand"
NOTE_MAX = 2000
LINK_MAX = 500
REASON_MAX = 500
SEARCH_MIN = 2  # characters before a customer search runs
SEARCH_LIMIT = 20
link_validator = URLValidator(schemes=["http", "https"])


# Who may act for whom -----------------------------------------------------------------------------


def customers_for(viewer):
    """The customer records `viewer` may record requests for (the queryset form of
    community.permissions.may_record_proxy_demand_for; tests check that both agree)."""
    if not permissions.may_record_proxy_demand(viewer):
        return CustomerRecord.objects.none()
    if permissions.may_see_all_member_values(viewer) or permissions.manages_every_segment(viewer):
        return CustomerRecord.objects.all()
    return CustomerRecord.objects.filter(segment__managers=viewer)


def customer_search(*, viewer, query: str, limit: int = SEARCH_LIMIT) -> list[CustomerRecord]:
    """Customers the viewer may act for whose external id (any part), email (the CRM's or their member's,
    whole) or member name (any part) matches `query`; exact external id or email first. Customers without
    an account are found by external id and the CRM's email. Fewer than SEARCH_MIN characters: nothing.
    One query."""
    query = " ".join(query.split())
    if len(query) < SEARCH_MIN:
        return []
    matches = (
        Q(external_id__icontains=query)
        | Q(email__iexact=query)
        | Q(member__email__iexact=query)
        | Q(member__display_name__icontains=query)
        | Q(member__username__icontains=query)
    )
    rows = list(
        customers_for(viewer)
        .filter(matches)
        .select_related("segment", "member")
        .order_by("external_id")[: limit * 2]
    )
    exact = query.casefold()

    def rank(record):
        emails = {record.email.casefold(), record.member.email.casefold() if record.member_id else ""}
        return (record.external_id.casefold() != exact and exact not in emails, record.external_id)

    return sorted(rows, key=rank)[:limit]


# Writes -------------------------------------------------------------------------------------------


def _clean(*, source: str, note: str, link: str) -> tuple[str, str]:
    errors = {}
    if source not in ProxyDemand.Source.values:
        errors["source"] = _(
            "Choose where the customer asked: a sales call, a support ticket, an interview or a survey."
        )
    note = note.strip()
    if not note:
        errors["note"] = _("Say what the customer asked for, in a sentence or two.")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("Keep the note under %(n)d characters.") % {"n": NOTE_MAX}
    link = link.strip()
    if link:
        try:
            link_validator(link)
        except ValidationError:
            errors["link"] = _(
                "Give a full web address starting with https:// (or http://), or leave it empty."
            )
        else:
            if len(link) > LINK_MAX:
                errors["link"] = _("Keep the link under %(n)d characters.") % {"n": LINK_MAX}
    if errors:
        raise ValidationError(errors)
    return note, link


def proxy_demand_record(
    *, actor, idea: Idea, customer: CustomerRecord, source: str, note: str, link: str = ""
) -> ProxyDemand:
    """Record that `customer` asked for `idea` through `source`, audited.

    Refused: an actor who may not act for this customer (PermissionDenied), a merged idea, a bad source,
    note or link, and a live record of the same customer, idea and source (ValidationError). Locking:
    the customer's row is locked first, so two people recording the same request at once get one record
    and one clear refusal (the partial unique constraint backs it).
    """
    if not permissions.may_record_proxy_demand_for(actor, customer):
        raise PermissionDenied(_("You may record requests only for customers of the segments you manage."))
    note, link = _clean(source=source, note=note, link=link)
    if idea.status == Idea.Status.MERGED:
        raise ValidationError(_("This idea was merged: record the request on the idea it was merged into."))
    with transaction.atomic():
        CustomerRecord.objects.select_for_update().filter(pk=customer.pk).first()
        earlier = (
            ProxyDemand.objects.active()
            .filter(customer=customer, idea=idea, source=source)
            .select_related("recorded_by")
            .first()
        )
        if earlier is not None:
            raise ValidationError(
                _(
                    "%(by)s already recorded that customer %(customer)s asked for this idea through "
                    "%(source)s on %(date)s. A customer counts once; add to that record's note instead, "
                    "or withdraw it first."
                )
                % {
                    "by": earlier.recorded_by.public_name,
                    "customer": customer.external_id,
                    "source": ProxyDemand.Source(source).label.lower(),
                    "date": date_format(timezone.localtime(earlier.recorded_at), "DATE_FORMAT"),
                }
            )
        record = ProxyDemand.objects.create(
            idea=idea, customer=customer, source=source, note=note, link=link, recorded_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.PROXY_RECORD,
            kind=AUDIT_KIND,
            object_id=record.pk,
            target_label=f"{idea.title} · {customer.external_id}",
            reason=note,
            # No CLV here: moderators read the audit log and never see customer value.
            after={"idea_id": idea.pk, "customer": customer.external_id, "source": source, "link": link},
        )
    return record


def proxy_demand_withdraw(*, actor, record: ProxyDemand, reason: str = "") -> ProxyDemand:
    """Withdraw a recorded request (it stops counting; the row stays), audited. Who may record for the
    customer may withdraw. Withdrawing twice is refused with who did it first and when."""
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX}})
    with transaction.atomic():
        locked = (
            ProxyDemand.objects.select_for_update(of=("self",))
            .select_related("customer__segment", "idea", "withdrawn_by")
            .get(pk=record.pk)
        )
        if not permissions.may_record_proxy_demand_for(actor, locked.customer):
            raise PermissionDenied(
                _("You may withdraw requests only for customers of the segments you manage.")
            )
        if locked.withdrawn_at is not None:
            raise ValidationError(
                _("This request was already withdrawn by %(by)s on %(date)s.")
                % {
                    "by": locked.withdrawn_by.public_name,
                    "date": date_format(timezone.localtime(locked.withdrawn_at), "DATETIME_FORMAT"),
                }
            )
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.withdrawal_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.PROXY_WITHDRAW,
            kind=AUDIT_KIND,
            object_id=locked.pk,
            target_label=f"{locked.idea.title} · {locked.customer.external_id}",
            reason=reason or _("No reason given."),
            before={"withdrawn": False},
            after={"withdrawn": True},
        )
    return locked


# Reads --------------------------------------------------------------------------------------------


def _voted(group_ref: str, by: str):
    """A counted up-vote by the customer's linked member on the idea (or on any idea of the item)."""
    votes = Vote.objects.counted().filter(value=Vote.Value.UP, member_id=OuterRef("customer__member_id"))
    if by == "idea":
        return Exists(votes.filter(idea_id=OuterRef(group_ref)))
    return Exists(votes.filter(idea__backlog_items=OuterRef(group_ref)))


def proxy_demand_attach(demands: dict[int, Demand], *, by: str = "idea") -> dict[int, Demand]:
    """Fill `proxy_customers` and `proxy_equity` of demands keyed by idea id (by="idea") or backlog item
    id (by="item"): live records' distinct customers not already counted through their member's up-vote.
    One query whatever the number of ideas or items."""
    if not demands:
        return demands
    if by == "idea":
        rows = ProxyDemand.objects.active().filter(idea_id__in=list(demands)).annotate(group=F("idea_id"))
    else:
        rows = (
            ProxyDemand.objects.active()
            .annotate(group=F("idea__backlog_items"))
            .filter(group__in=list(demands))
        )
    rows = (
        rows.filter(~_voted("group", by))
        .annotate(value=customer_value("customer__"))
        .values_list("group", "customer_id", "value")
        .order_by()
        .distinct()
    )
    seen: dict[int, dict[int, Decimal]] = {}
    for group, customer_id, clv in rows:
        seen.setdefault(group, {})[customer_id] = Decimal(clv)
    for group, customers in seen.items():
        demands[group].proxy_customers = len(customers)
        demands[group].proxy_equity = money(sum(customers.values(), Decimal("0")))
    return demands


@dataclass
class ProxyListing:
    records: list[ProxyDemand]  # those whose customer the viewer may see, live first
    hidden: int  # live records about customers of segments the viewer does not see


def proxy_records(*, viewer, idea_ids) -> ProxyListing:
    """The recorded requests for these ideas that `viewer` may read in full (customers of the segments
    whose values they see), each with `also_voted` (their member up-voted the idea: counted as a vote);
    the other live ones are only counted. Queries: one, plus one for the viewer's segments when limited."""
    rows = list(
        ProxyDemand.objects.filter(idea_id__in=list(idea_ids))
        .select_related("idea", "customer__segment", "customer__member", "recorded_by", "withdrawn_by")
        .annotate(also_voted=_voted("idea_id", "idea"))
        .order_by(F("withdrawn_at").desc(nulls_first=True), "-recorded_at", "-pk")
    )
    if permissions.may_see_all_member_values(viewer) or permissions.manages_every_segment(viewer):
        return ProxyListing(records=rows, hidden=0)
    visible = set(viewer.managed_segments.values_list("pk", flat=True)) if viewer.is_authenticated else set()
    shown = [r for r in rows if r.customer.segment_id in visible]
    hidden = sum(1 for r in rows if r.customer.segment_id not in visible and r.withdrawn_at is None)
    return ProxyListing(records=shown, hidden=hidden)


def member_proxy_demand(member) -> list[ProxyDemand]:
    """What was recorded about the member's customer record (their data export)."""
    return list(
        ProxyDemand.objects.filter(customer__member=member)
        .select_related("idea", "customer")
        .order_by("recorded_at", "pk")
    )
