"""Next best offer for customer managers (issue 20 part 8; docs/clv.md "Next best offer").

For each customer (CRM record) of the segments a staff member may see, what to bring them next:
- a **shipped feature** they asked for — their linked member up-voted an idea that is now shipped (or a
  proxy demand recorded for them, see `proxy_requests`) — that nobody has yet brought to them;
- an **open prototype or beta** (published, between its open and close dates) that matches what they
  asked for (linked to an idea they asked for, or for the same product) or their segment (a target
  segment or a beta quota for it), which they have not joined.

Fit, a number 0…1 saying how sure we are they want it:
- 1.0: they asked for exactly this (the shipped idea; a prototype linked to an idea they asked for);
- 0.5: a prototype for the product of an idea they asked for;
- 0.3: a prototype aimed at their segment, nothing more.

Expected value = the customer's CLV (`CustomerRecord.value`) × P(alive) × fit; a customer no fit has seen
yet counts P(alive) = 1 (their imported CLV already prices in retention). The list is ranked by it.

Once a contact is recorded for a customer and a target (`offer_contact_record`), that offer is never
listed again for them (and the database refuses a second contact for it): nobody is offered the same
thing twice. Contacts are never deleted.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import permissions
from community.models import Segment
from ideas.models import Idea
from prototypes.models import BetaQuota, BetaSignup, Prototype
from voting.models import Vote

from .models import CustomerRecord, OfferContact, ProxyDemand

FIT_ASKED = Decimal("1.0")
FIT_PRODUCT = Decimal("0.5")
FIT_SEGMENT = Decimal("0.3")


@dataclass(frozen=True)
class Offer:
    customer: CustomerRecord
    kind: str  # OfferContact.Kind
    target: Idea | Prototype
    fit: Decimal
    reason: str  # why it fits, for the manager

    @property
    def p_alive(self) -> Decimal:
        return Decimal(str(self.customer.p_alive)) if self.customer.p_alive is not None else Decimal(1)

    @property
    def expected_value(self) -> Decimal:
        return (self.customer.value * self.p_alive * self.fit).quantize(Decimal("0.01"), ROUND_HALF_UP)


def outreach_segments(user):
    """The segments whose customers `user` sees on the outreach list: every one for administrators and
    the chief customer officer, the managed ones for customer managers, none for anyone else."""
    if not permissions.may_view_customer_overview(user):
        return Segment.objects.none()
    if permissions.may_see_every_customer(user):
        return Segment.objects.all()
    return Segment.objects.filter(managers=user)


def proxy_requests(customer_ids) -> list[tuple[int, int]]:
    """(customer record id, idea id) for every idea a customer asked for by proxy (not by vote): the live,
    not withdrawn, requests staff recorded for them (backlog.proxy)."""
    return list(
        ProxyDemand.objects.active()
        .filter(customer_id__in=list(customer_ids))
        .values_list("customer_id", "idea_id")
    )


def next_best_offers(*, segments, now=None) -> list[Offer]:
    """Every customer's open offers in these segments, best expected value first. A fixed number of
    queries (ten, one of them the requests recorded by proxy) however many customers, ideas and prototypes
    there are."""
    now = now or timezone.now()
    customers = list(CustomerRecord.objects.filter(segment__in=segments).select_related("segment"))
    by_member = {c.member_id: c for c in customers if c.member_id}
    asked: dict[int, set[int]] = {c.pk: set() for c in customers}  # customer → idea ids
    for member_id, idea_id in (
        Vote.objects.counted()
        .filter(value=Vote.Value.UP, member_id__in=list(by_member))
        .values_list("member_id", "idea_id")
    ):
        asked[by_member[member_id].pk].add(idea_id)
    for customer_id, idea_id in proxy_requests([c.pk for c in customers]):
        if customer_id in asked:
            asked[customer_id].add(idea_id)
    ideas = Idea.objects.in_bulk({i for ids in asked.values() for i in ids})
    prototypes = list(
        Prototype.objects.filter(status=Prototype.Status.PUBLISHED, opens_at__lte=now)
        .exclude(closes_at__lte=now)
        .order_by("pk")
    )
    linked, targets = {}, {}
    for prototype_id, idea_id in Prototype.linked_ideas.through.objects.filter(
        prototype__in=prototypes
    ).values_list("prototype_id", "idea_id"):
        linked.setdefault(prototype_id, set()).add(idea_id)
    for prototype_id, segment_id in Prototype.target_segments.through.objects.filter(
        prototype__in=prototypes
    ).values_list("prototype_id", "segment_id"):
        targets.setdefault(prototype_id, set()).add(segment_id)
    for prototype_id, segment_id in BetaQuota.objects.filter(prototype__in=prototypes).values_list(
        "prototype_id", "segment_id"
    ):
        targets.setdefault(prototype_id, set()).add(segment_id)
    joined = set(
        BetaSignup.objects.filter(member_id__in=list(by_member))
        .exclude(state=BetaSignup.State.WITHDRAWN)
        .values_list("member_id", "prototype_id")
    )
    contacted = set(
        OfferContact.objects.filter(customer__in=customers).values_list("customer_id", "kind", "target_id")
    )

    offers = []
    for customer in customers:
        wanted = [ideas[i] for i in sorted(asked[customer.pk]) if i in ideas]
        for idea in wanted:
            if idea.status == Idea.Status.SHIPPED and (
                (customer.pk, OfferContact.Kind.FEATURE, idea.pk) not in contacted
            ):
                offers.append(
                    Offer(customer, OfferContact.Kind.FEATURE, idea, FIT_ASKED, _("asked for it; shipped"))
                )
        wanted_ids = {idea.pk for idea in wanted}
        wanted_products = {idea.product_id for idea in wanted if idea.product_id}
        for prototype in prototypes:
            if (customer.pk, OfferContact.Kind.PROTOTYPE, prototype.pk) in contacted:
                continue
            if customer.member_id and (customer.member_id, prototype.pk) in joined:
                continue
            if linked.get(prototype.pk, set()) & wanted_ids:
                fit, reason = FIT_ASKED, _("linked to an idea they asked for")
            elif prototype.product_id and prototype.product_id in wanted_products:
                fit, reason = FIT_PRODUCT, _("same product as an idea they asked for")
            elif customer.segment_id in targets.get(prototype.pk, set()):
                fit, reason = FIT_SEGMENT, _("aimed at their segment")
            else:
                continue
            offers.append(Offer(customer, OfferContact.Kind.PROTOTYPE, prototype, fit, reason))
    offers.sort(key=lambda o: (-o.expected_value, o.customer.external_id, o.kind, o.target.pk))
    return offers


class OfferAlreadyMade(Exception):
    """This customer was already brought this offer."""


def offer_contact_record(
    *, customer: CustomerRecord, kind: str, target: Idea | Prototype, channel: str, note: str, contacted_by
) -> OfferContact:
    """Record that `customer` was brought `target`. The unique constraint (customer, kind, target) makes a
    second contact for the same offer fail, even when two managers record it at the same moment."""
    try:
        with transaction.atomic():
            return OfferContact.objects.create(
                customer=customer,
                kind=kind,
                target_id=target.pk,
                target_title=str(target.title)[:200],
                channel=channel,
                note=note,
                contacted_by=contacted_by,
            )
    except IntegrityError as error:
        raise OfferAlreadyMade from error


def offer_target(kind: str, target_id: int) -> Idea | Prototype | None:
    """The idea (shipped feature) or the published prototype an offer is about, or None."""
    if kind == OfferContact.Kind.FEATURE:
        return Idea.objects.filter(pk=target_id, status=Idea.Status.SHIPPED).first()
    if kind == OfferContact.Kind.PROTOTYPE:
        return Prototype.objects.filter(pk=target_id, status=Prototype.Status.PUBLISHED).first()
    return None
