"""Equity at risk: supporters whose predicted P(alive) is low while the CLV they would bring if retained
is high (flagged by the latest fit, backlog.clv_models; thresholds CLV_AT_RISK_* in settings).

- A customer's value at risk = (predicted CLV ÷ P(alive)) × (1 − P(alive)): what the business expects to
  lose of what the customer would bring if they stayed.
- The equity at risk behind an idea or a backlog item = the sum of the values at risk of its supporters
  (members with an up-vote; for an item, each member once however many of its ideas they support).

The sums are correlated subqueries (`idea_equity_at_risk`, `item_equity_at_risk`) that lists annotate in
their own query, so the triage queue and the backlog pay no extra query for them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from community.models import Segment
from ideas.models import Idea
from voting.models import Vote

from .models import CustomerRecord


def _sum_of_values_at_risk(supporting) -> Coalesce:
    total = (
        CustomerRecord.objects.filter(at_risk=True, member__isnull=False)
        .filter(Exists(supporting))
        .annotate(group=Value(1))
        .values("group")
        .annotate(total=Sum("value_at_risk"))
        .values("total")
    )
    field = DecimalField(max_digits=16, decimal_places=2)
    return Coalesce(Subquery(total, output_field=field), Value(Decimal("0")), output_field=field)


def idea_equity_at_risk(idea_ref: str = "pk") -> Coalesce:
    """An expression: the equity at risk behind the idea referenced by `idea_ref` (0 when none)."""
    supporting = Vote.objects.counted().filter(
        value=Vote.Value.UP, member_id=OuterRef("member_id"), idea_id=OuterRef(OuterRef(idea_ref))
    )
    return _sum_of_values_at_risk(supporting)


def item_equity_at_risk(item_ref: str = "pk") -> Coalesce:
    """An expression: the equity at risk behind the backlog item referenced by `item_ref`, each
    supporter once."""
    supporting = Vote.objects.counted().filter(
        value=Vote.Value.UP, member_id=OuterRef("member_id"), idea__backlog_items=OuterRef(OuterRef(item_ref))
    )
    return _sum_of_values_at_risk(supporting)


@dataclass
class CustomerAtRisk:
    record: CustomerRecord
    asked_for: list[Idea]


def customers_at_risk(*, segments, limit: int = 200) -> list[CustomerAtRisk]:
    """The flagged customers of `segments` (a queryset: those whose values the viewer may see), most
    value at risk first, each with the ideas they support. Two queries."""
    records = list(
        CustomerRecord.objects.filter(at_risk=True, segment__in=segments)
        .select_related("member", "segment")
        .order_by("-value_at_risk", "pk")[:limit]
    )
    members = [r.member_id for r in records if r.member_id]
    asked: dict[int, list[Idea]] = {}
    if members:
        votes = (
            Vote.objects.counted()
            .filter(member_id__in=members, value=Vote.Value.UP)
            .select_related("idea")
            .defer("idea__body", "idea__body_html")
            .order_by("-created_at", "-pk")
        )
        for vote in votes:
            asked.setdefault(vote.member_id, []).append(vote.idea)
    return [CustomerAtRisk(record=r, asked_for=asked.get(r.member_id, [])) for r in records]


def segments_with_risk(segments) -> Segment:
    """`segments` annotated with their customers' total value at risk (`equity_at_risk`)."""
    at_risk = (
        CustomerRecord.objects.filter(at_risk=True, segment_id=OuterRef("pk"))
        .values("segment_id")
        .annotate(total=Sum("value_at_risk"))
        .values("total")
    )
    field = DecimalField(max_digits=16, decimal_places=2)
    return segments.annotate(
        equity_at_risk=Coalesce(
            Subquery(at_risk, output_field=field), Value(Decimal("0")), output_field=field
        )
    )
