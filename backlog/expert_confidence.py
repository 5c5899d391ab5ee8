"""Backlog items' confidence from their ideas' expert evaluation (ideas.evaluation).

RICE's confidence says how sure R&D is of an item's reach and impact, from 50 % (low) to 100 % (high). When
experts have scored an item's ideas, that is what the item uses: 0.5 + 0.5 × the mean normalised score of
every score of its ideas (each score as (score − lowest) ÷ (highest − lowest) on its criterion's scale),
so all-lowest scores give 50 % and all-highest 100 %. Items whose ideas nobody scored keep the confidence
R&D set on the item.
"""

from decimal import ROUND_HALF_UP, Decimal

from ideas.models import EvaluationScore

HALF = Decimal("0.5")


def expert_confidence(item_ids) -> dict[int, Decimal]:
    """{item id: confidence} for the items whose ideas have expert scores (one query)."""
    rows = (
        EvaluationScore.objects.filter(idea__backlog_items__in=list(item_ids))
        .values_list("idea__backlog_items", "score", "criterion__scale_min", "criterion__scale_max")
        .order_by()
    )
    sums: dict[int, list] = {}
    for item_id, score, low, high in rows:
        total = sums.setdefault(item_id, [Decimal(0), 0])
        total[0] += Decimal(score - low) / Decimal(high - low)
        total[1] += 1
    return {
        item_id: (HALF + HALF * total / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for item_id, (total, count) in sums.items()
    }
