"""Representative demand: support reweighted to the customer base, and the segments that stay silent.

The method (docs/clv.md, "Representative demand", has a worked example that
tests/backlog/test_representative.py checks by hand):

- The sample is the community's *voters*: members (not deleted) with at least one counted vote on any
  idea, each in their primary segment (backlog.demand). Voters in no segment cannot be weighted and are
  left out of both the raw and the reweighted share.
- For an idea or a backlog item, in segment s: n_s voters, y_s of them supporters (up-voted it).
  Raw support share = Σy_s ÷ Σn_s.
- Post-stratification: each segment's voters are weighted by
  w_s = (segment's share of customers) ÷ (segment's share of voters) = W_s ÷ (n_s/n).
  Reweighted share = Σ w_s·y_s ÷ n = Σ W_s · (y_s/n_s).
- Customers per segment are the market size (`Segment.market_size`, the default: the market we want to
  represent, as in the extrapolation) or the CRM count (customer records in the segment: basis "crm",
  for questions about today's customers only).
- Segments without voters cannot be estimated: their weight is shared out over the others (W_s
  renormalised over the segments with voters) and the page says which share of customers is covered.
- Confidence intervals (95 %): the raw share and each segment's share get the Wilson score interval;
  the reweighted share gets a Wilson interval with Kish's effective sample size
  n_eff = (Σw)² ÷ Σw² = 1 ÷ Σ(W_s² ÷ n_s). The textbook post-stratified variance Σ W_s²·p_s(1−p_s)/n_s is
  not used: it is zero whenever every segment is unanimous (common with a handful of voters), which
  would show a certain answer where there is none.

Silent segments: high customer equity, few voices. A segment is silent when its share of the market's
customer equity is at least SILENT_MIN_EQUITY_SHARE and either its share of voters is below
SILENT_VOICE_RATIO × its equity share or it has fewer than SILENT_MIN_VOICES voters.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef
from scipy.stats import norm

from community.models import Member
from voting.models import Vote

from .demand import Demand, Market
from .models import CustomerRecord

CONFIDENCE = 0.95
Z = float(norm.ppf(1 - (1 - CONFIDENCE) / 2))  # 1.959963984540054
BASES = ("market", "crm")

# Silent segments (docs/clv.md): at least 10 % of the market's customer equity, and a voice under half
# that weight or fewer than 5 voters.
SILENT_MIN_EQUITY_SHARE = 0.10
SILENT_VOICE_RATIO = 0.5
SILENT_MIN_VOICES = 5


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(share: float, n: float, z: float = Z) -> Interval | None:
    """The Wilson score interval of a share observed on `n` (possibly effective, non-integer) trials;
    None when there is nothing observed."""
    if n <= 0:
        return None
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return Interval(low=max(0.0, centre - half), high=min(1.0, centre + half))


@dataclass
class Stratum:
    segment: object
    customers: int  # market size or CRM count, per the basis
    customer_share: float  # W_s over every segment
    voters: int  # n_s
    voter_share: float  # n_s / n
    supporters: int  # y_s
    weight: (
        float | None
    )  # w_s = W'_s / (n_s/n), W' renormalised over segments with voters; None without voters

    @property
    def share(self) -> float | None:
        return self.supporters / self.voters if self.voters else None

    @property
    def interval(self) -> Interval | None:
        return wilson(self.share, self.voters) if self.voters else None


@dataclass
class RepresentativeSupport:
    basis: str
    strata: list[Stratum]
    voters: int
    supporters: int
    raw_share: float | None
    raw_interval: Interval | None
    reweighted_share: float | None
    reweighted_interval: Interval | None
    effective_voters: float | None  # Kish n_eff
    coverage: float  # share of customers in segments with voters

    @property
    def uncovered(self) -> list[Stratum]:
        return [s for s in self.strata if not s.voters and s.customers]


def post_stratify(
    *, strata: list[tuple[object, int, int, int]], basis: str = "market"
) -> RepresentativeSupport:
    """Raw and reweighted support from (segment, customers, voters, supporters) per segment."""
    total_customers = sum(c for _s, c, _n, _y in strata)
    n = sum(v for _s, _c, v, _y in strata)
    y = sum(s for _s, _c, _n, s in strata)
    covered = sum(c for _s, c, v, _y in strata if v)
    rows = []
    for segment, customers, voters, supporters in strata:
        if not 0 <= supporters <= voters:
            raise ValueError("supporters must be between 0 and the segment's voters")
        renormalised = customers / covered if covered and voters else 0.0
        rows.append(
            Stratum(
                segment=segment,
                customers=customers,
                customer_share=customers / total_customers if total_customers else 0.0,
                voters=voters,
                voter_share=voters / n if n else 0.0,
                supporters=supporters,
                weight=renormalised / (voters / n) if voters else None,
            )
        )
    raw = y / n if n else None
    if covered:
        reweighted = sum((s.customers / covered) * s.supporters / s.voters for s in rows if s.voters)
        n_eff = 1 / sum((s.customers / covered) ** 2 / s.voters for s in rows if s.voters and s.customers)
    else:
        reweighted = n_eff = None
    return RepresentativeSupport(
        basis=basis,
        strata=rows,
        voters=n,
        supporters=y,
        raw_share=raw,
        raw_interval=wilson(raw, n) if n else None,
        reweighted_share=reweighted,
        reweighted_interval=wilson(reweighted, n_eff) if n_eff else None,
        effective_voters=n_eff,
        coverage=covered / total_customers if total_customers else 0.0,
    )


@dataclass
class SegmentVoice:
    segment: object
    equity: Decimal
    equity_share: float
    voters: int
    voter_share: float
    silent: bool

    @property
    def voice_ratio(self) -> float | None:
        """Share of voters ÷ share of equity: 1 is heard in proportion, below 0.5 silent."""
        return self.voter_share / self.equity_share if self.equity_share else None


def is_silent(*, equity_share: float, voter_share: float, voters: int) -> bool:
    return equity_share >= SILENT_MIN_EQUITY_SHARE and (
        voter_share < SILENT_VOICE_RATIO * equity_share or voters < SILENT_MIN_VOICES
    )


class Voices:
    """Who speaks, per segment, for one page: voters by primary segment (one query) and, for the CRM
    basis, customer records by segment (one more)."""

    def __init__(self, market: Market, basis: str = "market"):
        if basis not in BASES:
            raise ValueError(f"basis must be one of {BASES}")
        self.market = market
        self.basis = basis
        voted = Vote.objects.counted().filter(member_id=OuterRef("pk"))
        self.voters = dict(
            Member.objects.filter(deleted_at__isnull=True)
            .filter(Exists(voted))
            .annotate(primary_segment=market.primary_segment("pk"))
            .filter(primary_segment__isnull=False)
            .values("primary_segment")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("primary_segment", "n")
        )
        if basis == "crm":
            self.customers = dict(
                CustomerRecord.objects.filter(segment__isnull=False)
                .values("segment_id")
                .annotate(n=Count("pk"))
                .order_by()
                .values_list("segment_id", "n")
            )
        else:
            self.customers = {v.segment.pk: v.segment.market_size for v in market.segments}

    def support(self, demand: Demand) -> RepresentativeSupport:
        supporters = {s.segment.pk: s.supporters for s in demand.by_segment}
        return post_stratify(
            strata=[
                (
                    v.segment,
                    self.customers.get(v.segment.pk, 0),
                    self.voters.get(v.segment.pk, 0),
                    supporters.get(v.segment.pk, 0),
                )
                for v in self.market.segments
            ],
            basis=self.basis,
        )

    def segments(self) -> list[SegmentVoice]:
        """Every segment's share of customer equity and of voters, with the silent flag."""
        total_equity = self.market.customer_equity
        total_voters = sum(self.voters.values())
        rows = []
        for value in self.market.segments:
            voters = self.voters.get(value.segment.pk, 0)
            equity_share = float(value.customer_equity / total_equity) if total_equity else 0.0
            voter_share = voters / total_voters if total_voters else 0.0
            rows.append(
                SegmentVoice(
                    segment=value.segment,
                    equity=value.customer_equity,
                    equity_share=equity_share,
                    voters=voters,
                    voter_share=voter_share,
                    silent=is_silent(equity_share=equity_share, voter_share=voter_share, voters=voters),
                )
            )
        return rows

    def silent(self) -> list[SegmentVoice]:
        return sorted((s for s in self.segments() if s.silent), key=lambda s: -s.equity_share)
