"""Outcomes after release: did shipping what they asked for keep the customers who asked?

For a shipped backlog item, its **supporters** are the customers (CRM records linked to a member) who
up-voted one of its ideas before the ship date; the **comparison group** are the other customers of the
same CRM segments. Each is measured in two windows of equal length, before and after the ship date:

- bought again: 1 if the customer made at least one purchase (amount > 0) in the window, else 0; its mean
  over a group is the group's repeat-purchase rate;
- spend: the customer's net amount in the window (refunds count against it), the realised change in
  customer value. (The predicted CLV is one snapshot per customer, with no history to compare before and
  after; the spend is what the prediction is made of.)

Only customers who were customers already, whose first purchase is before the first window, count, so
that "bought in the window" is a repeat purchase for everyone.

Difference-in-differences, per segment s: with d = after − before for each customer,
DiD_s = mean(d | supporters) − mean(d | others), its variance var(d | supporters)/n_t + var(d | others)/n_c
(sample variances; the analytic standard error of a difference of means, which is the first-differenced
DiD regression's heteroskedasticity-robust error). Segments are combined with the supporters' weights
w_s = n_t,s / Σ n_t (the effect on those who asked): DiD = Σ w_s DiD_s, SE = √(Σ w_s² var_s), and the
95 % interval is DiD ± 1.96 SE (normal approximation).

Too thin to tell: a segment counts only with at least MIN_PER_SEGMENT supporters and as many others;
the result is shown only with at least MIN_SUPPORTERS supporters and MIN_OTHERS others in the counted
segments, and only once the after window is over. docs/clv.md has a worked example (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import Segment
from voting.models import Vote

from .exchange import site_amount
from .models import BacklogItem, CustomerRecord

DEFAULT_WINDOW_DAYS = 90
MIN_WINDOW_DAYS, MAX_WINDOW_DAYS = 14, 365
MIN_PER_SEGMENT = 5  # supporters, and as many others, for a segment to count
MIN_SUPPORTERS = 20  # supporters in the counted segments, in total
MIN_OTHERS = 20  # others in the counted segments, in total
Z95 = 1.959964


@dataclass(frozen=True)
class CustomerWindows:
    """One customer's two windows: purchases and net spend before and after the ship date."""

    segment_id: int
    supporter: bool
    bought_before: bool
    bought_after: bool
    spend_before: float
    spend_after: float


@dataclass(frozen=True)
class Estimate:
    """A difference-in-differences with its standard error and 95 % interval."""

    value: float
    se: float

    @property
    def low(self) -> float:
        return self.value - Z95 * self.se

    @property
    def high(self) -> float:
        return self.value + Z95 * self.se

    @property
    def clear(self) -> int:
        """1 when the interval is above 0, -1 when below, 0 when it includes 0 (no clear difference)."""
        return 1 if self.low > 0 else -1 if self.high < 0 else 0


@dataclass
class GroupRates:
    n: int = 0
    repeat_before: float = 0.0
    repeat_after: float = 0.0
    spend_before: float = 0.0
    spend_after: float = 0.0


@dataclass
class SegmentOutcome:
    segment_id: int
    supporters: GroupRates
    others: GroupRates
    repeat: Estimate | None  # None: too few to count
    spend: Estimate | None

    @property
    def counted(self) -> bool:
        return self.repeat is not None


@dataclass
class Outcome:
    """What the page shows: a verdict, or why there is none."""

    status: str  # "ok", "too_thin", "too_early", "not_shipped"
    message: str
    ship_date: date | None = None
    window_days: int = DEFAULT_WINDOW_DAYS
    segments: list[SegmentOutcome] = field(default_factory=list)
    supporters: GroupRates = field(default_factory=GroupRates)
    others: GroupRates = field(default_factory=GroupRates)
    repeat: Estimate | None = None
    spend: Estimate | None = None
    segment_names: dict = field(default_factory=dict)

    @property
    def windows(self) -> tuple[date, date, date] | None:
        if self.ship_date is None:
            return None
        span = timedelta(days=self.window_days)
        return self.ship_date - span, self.ship_date, self.ship_date + span


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _variance(values: list[float]) -> float:
    """Sample variance (n − 1)."""
    mean = _mean(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _rates(rows: list[CustomerWindows]) -> GroupRates:
    if not rows:
        return GroupRates()
    return GroupRates(
        n=len(rows),
        repeat_before=_mean([float(r.bought_before) for r in rows]),
        repeat_after=_mean([float(r.bought_after) for r in rows]),
        spend_before=_mean([r.spend_before for r in rows]),
        spend_after=_mean([r.spend_after for r in rows]),
    )


def _did(treated: list[float], control: list[float]) -> tuple[float, float]:
    """(DiD, its variance) of per-customer changes d = after − before."""
    return _mean(treated) - _mean(control), _variance(treated) / len(treated) + _variance(control) / len(
        control
    )


def _combine(parts: list[tuple[int, float, float]]) -> Estimate:
    """Supporter-weighted combination of per-segment (n_t, DiD, variance)."""
    total = sum(n for n, _d, _v in parts)
    value = sum(n / total * d for n, d, _v in parts)
    variance = sum((n / total) ** 2 * v for n, _d, v in parts)
    return Estimate(value=value, se=math.sqrt(variance))


def difference_in_differences(
    rows: list[CustomerWindows],
    *,
    min_per_segment: int = MIN_PER_SEGMENT,
    min_supporters: int = MIN_SUPPORTERS,
    min_others: int = MIN_OTHERS,
) -> Outcome:
    """The DiD of repeat purchase and spend over these customers, by segment then combined (see the
    module's docstring); status "too_thin" with the reason when the groups are too small."""
    min_per_segment = max(min_per_segment, 2)  # a variance needs two
    by_segment: dict[int, list[CustomerWindows]] = {}
    for row in rows:
        by_segment.setdefault(row.segment_id, []).append(row)
    segments, repeat_parts, spend_parts, counted_rows = [], [], [], []
    for segment_id, members in sorted(by_segment.items()):
        treated = [r for r in members if r.supporter]
        control = [r for r in members if not r.supporter]
        outcome = SegmentOutcome(
            segment_id=segment_id, supporters=_rates(treated), others=_rates(control), repeat=None, spend=None
        )
        if len(treated) >= min_per_segment and len(control) >= min_per_segment:
            repeat = _did(
                [float(r.bought_after) - float(r.bought_before) for r in treated],
                [float(r.bought_after) - float(r.bought_before) for r in control],
            )
            spend = _did(
                [r.spend_after - r.spend_before for r in treated],
                [r.spend_after - r.spend_before for r in control],
            )
            outcome.repeat = Estimate(value=repeat[0], se=math.sqrt(repeat[1]))
            outcome.spend = Estimate(value=spend[0], se=math.sqrt(spend[1]))
            repeat_parts.append((len(treated), *repeat))
            spend_parts.append((len(treated), *spend))
            counted_rows += members
        segments.append(outcome)
    supporters = sum(1 for r in counted_rows if r.supporter)
    others = len(counted_rows) - supporters
    result = Outcome(
        status="ok",
        message="",
        segments=segments,
        supporters=_rates([r for r in counted_rows if r.supporter]),
        others=_rates([r for r in counted_rows if not r.supporter]),
    )
    if supporters < min_supporters or others < min_others:
        result.status = "too_thin"
        result.message = _(
            "Too thin to tell. With purchases before the release: supporters %(s)d, comparable customers "
            "%(o)d. Needed: supporters %(ms)d, others %(mo)d, counting only segments with at least %(k)d "
            "of each (counted here: supporters %(sc)d, others %(oc)d)."
        ) % {
            "s": sum(1 for r in rows if r.supporter),
            "o": sum(1 for r in rows if not r.supporter),
            "ms": min_supporters,
            "mo": min_others,
            "k": min_per_segment,
            "sc": supporters,
            "oc": others,
        }
        return result
    result.repeat, result.spend = _combine(repeat_parts), _combine(spend_parts)
    result.message = verdict(result.repeat)
    return result


def verdict(repeat: Estimate) -> str:
    """ "Did shipping what they asked keep them?", in words, from the repeat-purchase DiD."""
    # "more" and "less" carry the sign; the interval keeps its own.
    points = {"d": abs(repeat.value) * 100, "lo": repeat.low * 100, "hi": repeat.high * 100}
    if repeat.clear > 0:
        return (
            _(
                "Yes, it looks so: after the release, supporters bought again %(d).1f percentage points more "
                "often than comparable customers, relative to before (95 %% interval %(lo).1f to %(hi).1f)."
            )
            % points
        )
    if repeat.clear < 0:
        return (
            _(
                "No: after the release, supporters bought again %(d).1f percentage points less often than "
                "comparable customers, relative to before (95 %% interval %(lo).1f to %(hi).1f)."
            )
            % points
        )
    return _(
        "No clear difference: supporters' repeat purchases changed by %(signed)s percentage points relative "
        "to comparable customers, and the 95 %% interval (%(lo).1f to %(hi).1f) includes no change."
    ) % {**points, "signed": _signed(repeat.value * 100)}


# From the database -----------------------------------------------------------------------------------


def ship_date_of(item: BacklogItem) -> date | None:
    """The day a shipped item shipped (when it moved into "shipped"), else None."""
    if item.status != BacklogItem.Status.SHIPPED:
        return None
    return timezone.localdate(item.status_changed_at)


def window_days_from(value) -> int:
    """The window length asked for (?window=…), kept within MIN_WINDOW_DAYS…MAX_WINDOW_DAYS."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_WINDOW_DAYS
    return min(max(days, MIN_WINDOW_DAYS), MAX_WINDOW_DAYS)


def customer_windows(
    *, item: BacklogItem, ship_date: date, window_days: int, segment: Segment | None = None
) -> list[CustomerWindows]:
    """Supporters and the other customers of their segments (or of `segment` only), with their windows.

    Two queries: the supporters' customer records, then every counted customer's windows aggregated in
    the database.
    """
    span = timedelta(days=window_days)
    before, after_end = ship_date - span, ship_date + span
    ship_moment = timezone.make_aware(datetime.combine(ship_date, datetime.min.time()))
    voters = Vote.objects.counted().filter(
        value=Vote.Value.UP, idea__backlog_items=item, created_at__lt=ship_moment
    )
    supporter_records = CustomerRecord.objects.filter(
        member_id__in=voters.values("member_id"), segment__isnull=False
    )
    if segment is not None:
        supporter_records = supporter_records.filter(segment=segment)
    supporters = dict(supporter_records.values_list("pk", "segment_id"))
    if not supporters:
        return []
    purchase = Q(transactions__amount__gt=0)
    in_before = Q(transactions__occurred_on__gte=before, transactions__occurred_on__lt=ship_date)
    in_after = Q(transactions__occurred_on__gte=ship_date, transactions__occurred_on__lt=after_end)
    rows = (
        CustomerRecord.objects.filter(segment_id__in=set(supporters.values()))
        .annotate(
            first_purchase=Min("transactions__occurred_on", filter=purchase),
            n_before=Count("transactions", filter=purchase & in_before),
            n_after=Count("transactions", filter=purchase & in_after),
            # Spend in the site's currency: others converted at the configured rates, none left out.
            spend_before=Sum(site_amount("transactions__"), filter=in_before),
            spend_after=Sum(site_amount("transactions__"), filter=in_after),
        )
        .filter(first_purchase__lt=before)
        .values_list("pk", "segment_id", "n_before", "n_after", "spend_before", "spend_after")
        .order_by()
    )
    return [
        CustomerWindows(
            segment_id=segment_id,
            supporter=pk in supporters,
            bought_before=n_before > 0,
            bought_after=n_after > 0,
            spend_before=float(Decimal(spend_before or 0)),
            spend_after=float(Decimal(spend_after or 0)),
        )
        for pk, segment_id, n_before, n_after, spend_before, spend_after in rows
    ]


def item_outcome(
    *, item: BacklogItem, window_days: int = DEFAULT_WINDOW_DAYS, segment: Segment | None = None, today=None
) -> Outcome:
    """The outcome of a shipped item (for `segment` only, when given): a verdict with intervals, or why
    there is none (not shipped, too early, too thin)."""
    ship_date = ship_date_of(item)
    if ship_date is None:
        return Outcome(status="not_shipped", message=_("Not shipped yet: outcomes come after the release."))
    today = today or timezone.localdate()
    end = ship_date + timedelta(days=window_days)
    if end > today:
        return Outcome(
            status="too_early",
            message=ngettext(
                "Too early to tell: the %(n)d day after the release ends on %(end)s.",
                "Too early to tell: the %(n)d days after the release end on %(end)s.",
                window_days,
            )
            % {"n": window_days, "end": end.isoformat()},
            ship_date=ship_date,
            window_days=window_days,
        )
    outcome = difference_in_differences(
        customer_windows(item=item, ship_date=ship_date, window_days=window_days, segment=segment)
    )
    outcome.ship_date, outcome.window_days = ship_date, window_days
    if segment is not None:
        outcome.segment_names = {segment.pk: segment.name}
    elif outcome.segments:
        outcome.segment_names = dict(
            Segment.objects.filter(pk__in=[s.segment_id for s in outcome.segments]).values_list("pk", "name")
        )
    return outcome


def segment_outcomes(*, segment: Segment, window_days: int = DEFAULT_WINDOW_DAYS, limit: int = 10):
    """The outcomes, within this segment, of the items most recently shipped that its members supported
    or that are filed under it: [(item, Outcome)]."""
    items = (
        BacklogItem.objects.filter(status=BacklogItem.Status.SHIPPED)
        .filter(Q(ideas__segment=segment) | Q(ideas__votes__member__customer_record__segment=segment))
        .distinct()
        .order_by("-status_changed_at", "-pk")[:limit]
    )
    return [(item, item_outcome(item=item, window_days=window_days, segment=segment)) for item in items]


def _signed(value: float, digits: int = 1) -> str:
    return f"{value:+.{digits}f}".replace("-", "\N{MINUS SIGN}")


def _interval_text(estimate: Estimate, scale: float, digits: int) -> str:
    low, high = _signed(estimate.low * scale, digits), _signed(estimate.high * scale, digits)
    return f"{_signed(estimate.value * scale, digits)} ({low} … {high})"


def outcome_charts(outcome: Outcome) -> dict:
    """The charts of an outcome for the page (cocreate.charts): the DiD of repeat purchase (percentage
    points) and of spend, overall and per counted segment, and the four repeat-purchase rates."""
    if outcome.status != "ok":
        return {}

    def rows(attribute: str, scale: float, digits: int):
        estimates = [(_("All counted segments"), getattr(outcome, attribute))]
        estimates += [
            (outcome.segment_names.get(s.segment_id, "—"), getattr(s, attribute))
            for s in outcome.segments
            if s.counted
        ]
        return [
            (
                label,
                round(e.value * scale, 4),
                round(e.low * scale, 4),
                round(e.high * scale, 4),
                _interval_text(e, scale, digits),
            )
            for label, e in estimates
        ]

    s, o = outcome.supporters, outcome.others
    return {
        "repeat_title": _(
            "Change in repeat-purchase rate, supporters minus others "
            "(percentage points, %(level)d %% interval)"
        )
        % {"level": 95},
        "repeat_rows": rows("repeat", 100, 1),
        "spend_title": _("Change in spend per customer, supporters minus others (%(level)d %% interval)")
        % {"level": 95},
        "spend_rows": rows("spend", 1, 2),
        "rates_title": _("Share who bought again in each window"),
        "rates_rows": [
            (_("Supporters, before"), s.repeat_before, f"{s.repeat_before:.0%}"),
            (_("Supporters, after"), s.repeat_after, f"{s.repeat_after:.0%}"),
            (_("Others, before"), o.repeat_before, f"{o.repeat_before:.0%}"),
            (_("Others, after"), o.repeat_after, f"{o.repeat_after:.0%}"),
        ],
    }


def item_outcome_context(item: BacklogItem, window) -> dict:
    """What the item page shows about its outcome: nothing until it ships."""
    if item.status != BacklogItem.Status.SHIPPED:
        return {}
    outcome = item_outcome(item=item, window_days=window_days_from(window))
    return {"outcome": outcome, "outcome_charts": outcome_charts(outcome)}


def segment_outcome_context(segment: Segment, window) -> dict:
    """The segment dashboard's outcomes: each recently shipped item's verdict within the segment, and
    one chart of the repeat-purchase DiD of those that could be told."""
    outcomes = segment_outcomes(segment=segment, window_days=window_days_from(window))
    told = [(item, o) for item, o in outcomes if o.status == "ok"]
    return {
        "outcomes": outcomes,
        "outcomes_chart_title": _(
            "Change in repeat-purchase rate after each release, this segment's supporters minus its other "
            "customers (percentage points, %(level)d %% interval)"
        )
        % {"level": 95},
        "outcomes_chart_rows": [
            (
                item.title,
                round(o.repeat.value * 100, 4),
                round(o.repeat.low * 100, 4),
                round(o.repeat.high * 100, 4),
                _interval_text(o.repeat, 100, 1),
            )
            for item, o in told
        ],
    }
