"""The customer department's view (issue 20 part 7; docs/clv.md "Customer-equity share").

The seed article's metrics, per segment and in total:
- customers: CRM customer records in the segment;
- customer equity: the sum of their CLVs (`CustomerRecord.value`: predicted from purchases, else imported);
- mean CLV: customer equity ÷ customers;
- customer profitability: the sum of their margins per period as imported from the CRM, and the
  revenue of their transactions over the last 365 days;
- market equity: the latest market estimate of the segment (customers in the market × their mean CLV, or
  the total given); customer-equity share = customer equity ÷ market equity. The total share is the sum
  of the equities of the segments that have an estimate ÷ the sum of those estimates (segments without
  one are left out of both, and said so).

A monthly snapshot (`customer_snapshot_take`, scheduled in backlog.apps and `manage.py
take_customer_snapshot`) stores these figures, so each becomes a trend.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from community.models import Segment

from .exchange import site_amount
from .models import CustomerRecord, CustomerSnapshot, MarketEstimate, Transaction, customer_value

CENT = Decimal("0.01")
ZERO = Decimal("0")


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """One segment's (or the total's) figures."""

    customers: int = 0
    equity: Decimal = ZERO
    margin: Decimal = ZERO
    revenue_12m: Decimal = ZERO
    market_equity: Decimal | None = None  # None: no market estimate
    estimate: MarketEstimate | None = None

    @property
    def mean_clv(self) -> Decimal | None:
        return _money(self.equity / self.customers) if self.customers else None

    @property
    def share(self) -> Decimal | None:
        """Customer-equity share, 0…1 (above 1 when the estimate is below what we already hold)."""
        if self.market_equity is None or self.market_equity <= 0:
            return None
        return (self.equity / self.market_equity).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    def as_json(self) -> dict:
        return {
            "customers": self.customers,
            "equity": str(self.equity),
            "mean_clv": str(self.mean_clv) if self.mean_clv is not None else None,
            "margin": str(self.margin),
            "revenue_12m": str(self.revenue_12m),
            "market_equity": str(self.market_equity) if self.market_equity is not None else None,
            "share": str(self.share) if self.share is not None else None,
        }


@dataclass
class Overview:
    segments: list[tuple[Segment, Figures]]
    total: Figures
    total_share: Decimal | None  # equity of the estimated segments ÷ the sum of their estimates
    unestimated: list[Segment] = field(default_factory=list)


def latest_estimates() -> dict[int, MarketEstimate]:
    """Each segment's current market estimate (the latest by date, then by when it was recorded)."""
    latest = {}
    for estimate in MarketEstimate.objects.order_by("segment_id", "-as_of", "-recorded_at", "-id"):
        latest.setdefault(estimate.segment_id, estimate)
    return latest


def customer_overview(*, today: date | None = None) -> Overview:
    """Every segment's figures and the total: four queries however many segments and customers."""
    today = today or timezone.localdate()
    segments = list(Segment.objects.order_by("name"))
    rows = {
        row["segment_id"]: row
        for row in CustomerRecord.objects.values("segment_id")
        .annotate(customers=Count("pk"), equity=Sum(customer_value()), margin=Sum("margin_per_period"))
        .order_by()
    }
    revenue = dict(
        Transaction.objects.filter(occurred_on__gt=today - timedelta(days=365), occurred_on__lte=today)
        .values("customer__segment_id")
        .annotate(total=Sum(site_amount()))  # in the site currency, at the configured rates
        .order_by()
        .values_list("customer__segment_id", "total")
    )
    estimates = latest_estimates()
    total = Figures(market_equity=ZERO)
    result, unestimated = [], []
    for segment in segments:
        row = rows.get(segment.pk, {})
        estimate = estimates.get(segment.pk)
        figures = Figures(
            customers=row.get("customers", 0),
            equity=_money(row.get("equity")),
            margin=_money(row.get("margin")),
            revenue_12m=_money(revenue.get(segment.pk)),
            market_equity=estimate.market_equity if estimate else None,
            estimate=estimate,
        )
        result.append((segment, figures))
        if estimate is None:
            unestimated.append(segment)
        else:
            total.market_equity += figures.market_equity
    # The total's customers, equity and profitability count every customer, unsegmented ones too; its
    # share only the segments with an estimate.
    for row in rows.values():
        total.customers += row["customers"]
        total.equity += _money(row["equity"])
        total.margin += _money(row["margin"])
    total.revenue_12m = _money(sum((v or ZERO for v in revenue.values()), ZERO))
    estimated_equity = sum((f.equity for _s, f in result if f.market_equity is not None), ZERO)
    total.market_equity = total.market_equity or None
    total_share = Figures(equity=estimated_equity, market_equity=total.market_equity).share
    return Overview(segments=result, total=total, total_share=total_share, unestimated=unestimated)


def overview_json(overview: Overview) -> dict:
    total = overview.total.as_json()
    total["share"] = str(overview.total_share) if overview.total_share is not None else None
    return {"total": total, "segments": {str(s.pk): f.as_json() for s, f in overview.segments}}


def customer_snapshot_take(*, today: date | None = None) -> CustomerSnapshot:
    """This month's snapshot of the overview's figures; taking it again in the same month replaces it."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    figures = overview_json(customer_overview(today=today))
    with transaction.atomic():
        snapshot, _created = CustomerSnapshot.objects.update_or_create(
            month=month, defaults={"figures": figures, "taken_at": timezone.now()}
        )
    return snapshot


def market_estimate_record(
    *,
    segment: Segment,
    customers: int,
    mean_clv: Decimal | None,
    total_equity: Decimal | None,
    as_of: date,
    source: str,
    recorded_by,
) -> MarketEstimate:
    """A new estimate of the segment's market; earlier ones are kept as its history (never changed)."""
    if mean_clv is None and total_equity is None:
        raise ValueError("A market estimate needs the customers' mean CLV or the total market equity.")
    return MarketEstimate.objects.create(
        segment=segment,
        customers=customers,
        mean_clv=mean_clv,
        total_equity=total_equity,
        as_of=as_of,
        source=source,
        recorded_by=recorded_by,
    )


# The figures drawn as trends, in order (keys of a snapshot's figures).
TREND_FIGURES = ("equity", "share", "mean_clv", "margin", "revenue_12m", "customers")


def trend(snapshots, key: str, segment_pk: int | None = None) -> list[tuple[str, Decimal | None]]:
    """One figure over the snapshots: [(month "YYYY-MM", value or None)], for a segment or the total."""
    points = []
    for snapshot in snapshots:
        data = (
            snapshot.figures.get("total")
            if segment_pk is None
            else snapshot.figures.get("segments", {}).get(str(segment_pk))
        )
        value = (data or {}).get(key)
        points.append((f"{snapshot.month:%Y-%m}", Decimal(str(value)) if value is not None else None))
    return points
