"""The priority score: RICE (reach × impact × confidence ÷ effort) with weights R&D can adjust."""

from decimal import Decimal, InvalidOperation

from .demand import Demand, money
from .models import BacklogItem, PriorityWeights


def _weighted(value: Decimal, weight: Decimal) -> Decimal:
    if weight == 0:
        return Decimal("1")  # the factor is left out (and 0⁰ is undefined)
    if value == 0:
        return Decimal("0")
    return value**weight


def priority_score(
    *,
    reach: Decimal,
    impact: Decimal,
    confidence: Decimal,
    effort: Decimal,
    weights: PriorityWeights,
) -> Decimal:
    """reach^a × impact^b × confidence^c ÷ effort^e, rounded to the cent.

    With every weight 1 this is Intercom's RICE score; a weight 0 leaves its factor out, a weight below 1
    damps it, above 1 stresses it. Refuses negative inputs and an effort that is not positive.
    """
    if effort <= 0:
        raise ValueError("effort must be positive")
    if min(reach, impact, confidence) < 0:
        raise ValueError("reach, impact and confidence must not be negative")
    try:
        score = (
            _weighted(Decimal(reach), weights.reach_weight)
            * _weighted(Decimal(impact), weights.impact_weight)
            * _weighted(Decimal(confidence), weights.confidence_weight)
            / _weighted(Decimal(effort), weights.effort_weight)
        )
    except InvalidOperation as error:  # pragma: no cover - inputs are checked above
        raise ValueError(str(error)) from error
    return money(score)


def reach_of(demand: Demand, weights: PriorityWeights) -> Decimal:
    """Reach from the extrapolation: customer equity (default) or customers across the market."""
    if weights.reach_basis == PriorityWeights.Reach.CUSTOMERS:
        return demand.extrapolated_customers
    return demand.extrapolated_equity


def item_score(
    item: BacklogItem, demand: Demand, weights: PriorityWeights, *, confidence: Decimal | None = None
) -> Decimal | None:
    """The item's priority score, or None while its effort is not estimated (it has no score then).
    `confidence`: the experts' (backlog.expert_confidence), instead of the item's own, when they scored."""
    if item.effort_estimate is None:
        return None
    return priority_score(
        reach=reach_of(demand, weights),
        impact=item.impact,
        confidence=item.confidence if confidence is None else confidence,
        effort=item.effort_estimate,
        weights=weights,
    )
