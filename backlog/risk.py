"""Equity at risk: supporters whose predicted P(alive) is low while the CLV they would bring if retained
is high (flagged by the latest fit, backlog.clv_models; thresholds CLV_AT_RISK_* in settings).

- A customer's value at risk = (predicted CLV ÷ P(alive)) × (1 − P(alive)): what the business expects to
  lose of what the customer would bring if they stayed.
- The equity at risk behind an idea or a backlog item = the sum of the values at risk of its supporters
  (members with an up-vote; for an item, each member once however many of its ideas they support).

The sums are correlated subqueries (`idea_equity_at_risk`, `item_equity_at_risk`) that lists annotate in
their own query, so the triage queue and the backlog pay no extra query for them. The idea page asks for
one idea's sum and count through the port `ideas.equity` (`IdeaRisk`, registered by BacklogConfig.ready()).
All of them pick the supporters with `_supporters_at_risk`, the one copy of the rule.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from community.models import Segment
from ideas.equity import EquityAtRisk
from ideas.models import Idea
from voting.models import Vote

from .models import CustomerRecord


def _supporters_at_risk(supporting):
    """The at-risk customer records of the members for whom `supporting` (a Vote queryset with
    `member_id=OuterRef("member_id")`) finds a vote."""
    return CustomerRecord.objects.filter(at_risk=True, member__isnull=False).filter(Exists(supporting))


def _idea_support(idea_id):
    """Counted up-votes on one idea (an id or an expression) by the outer query's `member_id`."""
    return Vote.objects.counted().filter(
        value=Vote.Value.UP, member_id=OuterRef("member_id"), idea_id=idea_id
    )


def _sum_of_values_at_risk(supporting) -> Coalesce:
    total = (
        _supporters_at_risk(supporting)
        .annotate(group=Value(1))
        .values("group")
        .annotate(total=Sum("value_at_risk"))
        .values("total")
    )
    field = DecimalField(max_digits=16, decimal_places=2)
    return Coalesce(Subquery(total, output_field=field), Value(Decimal("0")), output_field=field)


def idea_equity_at_risk(idea_ref: str = "pk") -> Coalesce:
    """An expression: the equity at risk behind the idea referenced by `idea_ref` (0 when none)."""
    return _sum_of_values_at_risk(_idea_support(OuterRef(OuterRef(idea_ref))))


class IdeaRisk:
    """What the idea page shows staff who see customer values (ideas.equity): the same sum as the triage
    queue's column, the number of supporters behind it, and the customers-at-risk page of the idea."""

    def equity_at_risk(self, idea) -> EquityAtRisk:
        row = _supporters_at_risk(_idea_support(idea.pk)).aggregate(
            total=Sum("value_at_risk"), supporters=Count("pk")
        )
        return EquityAtRisk(
            amount=row["total"] or Decimal("0"),
            supporters=row["supporters"],
            url=f"{reverse('backlog:customers_at_risk')}?idea={idea.pk}",
        )


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


def customers_at_risk(*, segments, idea: Idea | None = None, limit: int = 200) -> list[CustomerAtRisk]:
    """The flagged customers of `segments` (a queryset: those whose values the viewer may see), only the
    supporters of `idea` when given, most value at risk first, each with the ideas they support. Two
    queries."""
    records = CustomerRecord.objects.filter(at_risk=True, segment__in=segments)
    if idea is not None:
        records = records.filter(Exists(_idea_support(idea.pk)))
    records = list(records.select_related("member", "segment").order_by("-value_at_risk", "pk")[:limit])
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


def segments_with_risk(segments, *, idea: Idea | None = None) -> Segment:
    """`segments` annotated with their customers' total value at risk (`equity_at_risk`): only that of
    the supporters of `idea` when given."""
    at_risk = CustomerRecord.objects.filter(at_risk=True, segment_id=OuterRef("pk"))
    if idea is not None:
        at_risk = at_risk.filter(Exists(_idea_support(idea.pk)))
    at_risk = at_risk.values("segment_id").annotate(total=Sum("value_at_risk")).values("total")
    field = DecimalField(max_digits=16, decimal_places=2)
    return segments.annotate(
        equity_at_risk=Coalesce(
            Subquery(at_risk, output_field=field), Value(Decimal("0")), output_field=field
        )
    )
