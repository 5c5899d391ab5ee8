"""Demand behind ideas and backlog items, weighed by customer value — computed with aggregate queries.

The rules (docs/clv.md has the worked examples):
- A supporter is a member with an up-vote (+1) on the idea. Votes of deleted accounts stay counted on the
  idea (`retired_upvotes`) but are anonymous: they add to the supporter count, not to any segment or to
  customer equity.
- Each member counts in exactly one segment, their *primary segment*: of the segments they belong to, the
  one with the highest CLV (ties: the older segment). Support and segment sizes both use it, so nobody is
  counted twice and a segment's share of members supporting never exceeds 1.
- A supporter's CLV is their customer record's value (`CustomerRecord.value`: predicted from purchases,
  else imported from the CRM) when there is one, otherwise their
  primary segment's CLV; supporters without any segment and without a record are worth 0.
- Customer equity behind an idea = the sum of its supporters' CLVs.
- Extrapolated to the market: for each segment, share = supporters ÷ members (of the community, in that
  segment), customers reached = share × market size, equity reached = customers reached × segment CLV.
- For a backlog item, a member supporting several of its ideas counts once.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When

from community.models import Segment, SegmentMembership
from voting.models import Vote

from .models import customer_value

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SegmentValue:
    """A segment with its CLV and the number of community members whose primary segment it is."""

    segment: Segment
    clv: Decimal
    members: int

    @property
    def customer_equity(self) -> Decimal:
        """Segment CLV × market size: the value of the whole market segment."""
        return money(self.clv * self.segment.market_size)


@dataclass
class SegmentDemand:
    value: SegmentValue
    supporters: int = 0
    equity: Decimal = Decimal("0")  # sum of these supporters' CLVs (imported or segment)

    @property
    def segment(self) -> Segment:
        return self.value.segment

    @property
    def share(self) -> Decimal:
        """Share of the segment's community members supporting, 0…1."""
        if not self.value.members:
            return Decimal("0")
        return Decimal(self.supporters) / Decimal(self.value.members)

    @property
    def extrapolated_customers(self) -> Decimal:
        return extrapolate_customers(
            supporters=self.supporters, members=self.value.members, market_size=self.segment.market_size
        )

    @property
    def extrapolated_equity(self) -> Decimal:
        return extrapolate_equity(
            supporters=self.supporters,
            members=self.value.members,
            market_size=self.segment.market_size,
            clv=self.value.clv,
        )


@dataclass
class Demand:
    """Who stands behind an idea or a backlog item, and what they are worth."""

    by_segment: list[SegmentDemand] = field(default_factory=list)
    unsegmented_supporters: int = 0
    unsegmented_equity: Decimal = Decimal("0")  # imported CLVs of supporters outside every segment
    anonymous_supporters: int = 0  # votes kept from deleted accounts
    # CRM customers recorded as asking for it (backlog.proxy.proxy_demand_attach fills these): only those
    # not already counted through their member's up-vote, each once, with their own CLV.
    proxy_customers: int = 0
    proxy_equity: Decimal = Decimal("0")

    @property
    def total_supporters(self) -> int:
        """Member votes and customers asked through sales/support, each person once."""
        return self.supporters + self.proxy_customers

    @property
    def total_equity(self) -> Decimal:
        return money(self.customer_equity + self.proxy_equity)

    @property
    def supporters(self) -> int:
        return (
            sum(s.supporters for s in self.by_segment)
            + self.unsegmented_supporters
            + self.anonymous_supporters
        )

    @property
    def customer_equity(self) -> Decimal:
        return money(sum((s.equity for s in self.by_segment), self.unsegmented_equity))

    @property
    def extrapolated_customers(self) -> Decimal:
        return sum((s.extrapolated_customers for s in self.by_segment), Decimal("0"))

    @property
    def extrapolated_equity(self) -> Decimal:
        return money(sum((s.extrapolated_equity for s in self.by_segment), Decimal("0")))


def extrapolate_customers(*, supporters: int, members: int, market_size: int) -> Decimal:
    """Customers in the whole market segment expected to want this: supporters ÷ members × market size."""
    if members <= 0:
        return Decimal("0")
    if not 0 <= supporters <= members:
        raise ValueError("supporters must be between 0 and the segment's members")
    return money(Decimal(supporters) * market_size / Decimal(members))


def extrapolate_equity(*, supporters: int, members: int, market_size: int, clv: Decimal) -> Decimal:
    """Customer equity expected behind it in the whole segment: share × market size × segment CLV."""
    if members <= 0:
        return Decimal("0")
    if not 0 <= supporters <= members:
        raise ValueError("supporters must be between 0 and the segment's members")
    # One division at the end keeps the result exact to the cent.
    return money(Decimal(supporters) * market_size * clv / Decimal(members))


class Market:
    """Every segment with its CLV and community size: two queries, made once per page."""

    def __init__(self):
        segments = list(Segment.objects.all())
        ranked = sorted(segments, key=lambda s: (-s.clv, s.pk))
        self._rank = {s.pk: position for position, s in enumerate(ranked)}
        members = dict(
            self.primary_memberships()
            .values("segment_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("segment_id", "n")
        )
        self.segments = [SegmentValue(segment=s, clv=s.clv, members=members.get(s.pk, 0)) for s in ranked]
        self.by_pk = {v.segment.pk: v for v in self.segments}

    @property
    def customer_equity(self) -> Decimal:
        """The whole market's customer equity: the sum over segments of CLV × market size."""
        return money(sum((v.customer_equity for v in self.segments), Decimal("0")))

    def rank(self):
        """A SQL expression giving each membership its segment's rank (0 = highest CLV)."""
        whens = [When(segment_id=pk, then=Value(rank)) for pk, rank in self._rank.items()]
        return Case(*whens, default=Value(len(self._rank)), output_field=IntegerField())

    def primary_memberships(self):
        """Each member's one membership in their highest-CLV segment."""
        better = (
            SegmentMembership.objects.filter(member_id=OuterRef("member_id"))
            .annotate(rank=self.rank())
            .filter(rank__lt=OuterRef("rank"))
        )
        return SegmentMembership.objects.annotate(rank=self.rank()).filter(~Exists(better))

    def primary_segment(self, member_ref: str = "member_id"):
        """A subquery: the primary segment's id of the member referenced by `member_ref`, or NULL."""
        if not self._rank:
            # No segments: no memberships. (A constant rank would also compile to PostgreSQL's "ORDER BY 0".)
            return Value(None, output_field=IntegerField())
        return Subquery(
            SegmentMembership.objects.filter(member_id=OuterRef(member_ref))
            .annotate(rank=self.rank())
            .order_by("rank")
            .values("segment_id")[:1]
        )

    def supporters_in_segment(self, segment: Segment):
        """Up-votes of members whose primary segment is `segment` (a Vote queryset)."""
        return (
            Vote.objects.counted()
            .filter(value=Vote.Value.UP)
            .annotate(primary_segment=self.primary_segment())
            .filter(primary_segment=segment.pk)
        )

    def _fold(self, rows, key: str, demands: dict) -> dict:
        for row in rows:
            demand = demands.setdefault(row[key], Demand())
            # SQLite sums decimals as floats: back to exact cents (exact below 10¹³).
            imported_clv = money(Decimal(row["imported_clv"] or 0))
            value = self.by_pk.get(row["primary_segment"])
            if value is None:
                demand.unsegmented_supporters += row["supporters"]
                demand.unsegmented_equity += imported_clv
                continue
            equity = money(imported_clv + (row["supporters"] - row["imported"]) * value.clv)
            demand.by_segment.append(SegmentDemand(value=value, supporters=row["supporters"], equity=equity))
        for demand in demands.values():
            demand.by_segment.sort(key=lambda s: (-s.equity, -s.supporters, s.segment.name))
        return demands

    def _grouped(self, votes, key: str):
        return (
            votes.annotate(primary_segment=self.primary_segment())
            .values(key, "primary_segment")
            .annotate(
                supporters=Count("pk"),
                imported=Count("member__customer_record"),
                imported_clv=Sum(customer_value("member__customer_record__")),
            )
            .order_by()
        )

    def idea_demand(self, ideas) -> dict[int, Demand]:
        """Demand per idea, keyed by idea id: one query for all the given ideas."""
        ideas = list(ideas)
        demands = {idea.pk: Demand(anonymous_supporters=idea.retired_upvotes) for idea in ideas}
        if not ideas:
            return demands
        votes = Vote.objects.counted().filter(idea_id__in=demands.keys(), value=Vote.Value.UP)
        return self._fold(self._grouped(votes, "idea_id"), "idea_id", demands)

    def item_demand(self, items) -> dict[int, Demand]:
        """Demand per backlog item, each supporter once per item however many of its ideas they support.

        One query for all items. Anonymous supporters are the sum of the ideas' retired votes (an upper
        bound: a deleted account may have supported several of the item's ideas).
        """
        items = list(items)
        demands = {
            item.pk: Demand(anonymous_supporters=getattr(item, "retired_supporters", 0) or 0)
            for item in items
        }
        if not items:
            return demands
        earlier_vote_for_same_item = Vote.objects.counted().filter(
            member_id=OuterRef("member_id"),
            value=Vote.Value.UP,
            idea__backlog_items=OuterRef("backlog_item"),
            pk__lt=OuterRef("pk"),
        )
        votes = (
            Vote.objects.counted()
            .filter(value=Vote.Value.UP)
            .annotate(backlog_item=F("idea__backlog_items"))
            .filter(Q(backlog_item__in=demands.keys()) & ~Exists(earlier_vote_for_same_item))
        )
        return self._fold(self._grouped(votes, "backlog_item"), "backlog_item", demands)
