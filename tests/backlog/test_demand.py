"""Extrapolation, the priority score, and who counts where (primary segment, imported CLV, once)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from backlog.demand import Market, extrapolate_customers, extrapolate_equity
from backlog.models import BacklogItem, CustomerRecord, PriorityWeights
from backlog.scoring import priority_score
from ideas.models import Idea
from tests.factories import MemberFactory, make_idea
from voting.services import vote_cast


def test_extrapolation():
    # 3 of 12 members support: 25 % of a 10 000 market = 2 500 customers; × CLV 266.67 = 666 675.00
    assert extrapolate_customers(supporters=3, members=12, market_size=10_000) == Decimal("2500.00")
    assert extrapolate_equity(supporters=3, members=12, market_size=10_000, clv=Decimal("266.67")) == Decimal(
        "666675.00"
    )
    # 1 of 3: 10 000 / 3 = 3 333.33 customers; × 50 = 166 666.67 (one division, at the end)
    assert extrapolate_customers(supporters=1, members=3, market_size=10_000) == Decimal("3333.33")
    assert extrapolate_equity(supporters=1, members=3, market_size=10_000, clv=Decimal("50")) == Decimal(
        "166666.67"
    )
    # No members in the community: nothing to extrapolate from.
    assert extrapolate_equity(supporters=0, members=0, market_size=10_000, clv=Decimal("50")) == 0
    with pytest.raises(ValueError):
        extrapolate_customers(supporters=5, members=4, market_size=100)


def weights(**overrides):
    values = {"reach_weight": 1, "impact_weight": 1, "confidence_weight": 1, "effort_weight": 1}
    values.update(overrides)
    return PriorityWeights(**{k: Decimal(str(v)) for k, v in values.items()})


def test_score_is_rice_with_every_weight_one():
    # 2 000 × 2 × 0.8 ÷ 4 = 800
    score = priority_score(
        reach=Decimal("2000"),
        impact=Decimal("2"),
        confidence=Decimal("0.8"),
        effort=Decimal("4"),
        weights=weights(),
    )
    assert score == Decimal("800.00")


def test_score_weights():
    args = {
        "reach": Decimal("2500"),
        "impact": Decimal("3"),
        "confidence": Decimal("0.5"),
        "effort": Decimal("2"),
    }
    # Effort left out: 2 500 × 3 × 0.5 = 3 750
    assert priority_score(**args, weights=weights(effort_weight=0)) == Decimal("3750.00")
    # Reach damped to its square root: 50 × 3 × 0.5 ÷ 2 = 37.5
    assert priority_score(**args, weights=weights(reach_weight="0.5")) == Decimal("37.50")
    # Impact stressed: 2 500 × 9 × 0.5 ÷ 2 = 5 625
    assert priority_score(**args, weights=weights(impact_weight=2)) == Decimal("5625.00")
    # No reach, no score (and 0⁰ is never computed).
    assert priority_score(**{**args, "reach": Decimal("0")}, weights=weights()) == 0
    assert priority_score(**{**args, "reach": Decimal("0")}, weights=weights(reach_weight=0)) == Decimal(
        "0.75"
    )
    with pytest.raises(ValueError):
        priority_score(**{**args, "effort": Decimal("0")}, weights=weights())
    with pytest.raises(ValueError):
        priority_score(**{**args, "impact": Decimal("-1")}, weights=weights())


@pytest.mark.django_db
def test_primary_segment_imported_clv_and_no_double_counting(segments, rita, product):
    pros, casual = segments
    both = MemberFactory()  # in both segments: counts once, in Pros (the higher CLV)
    both.segments.add(pros, casual)
    casual_only = MemberFactory()
    casual_only.segments.add(casual)
    imported = MemberFactory()  # in Casual, but the CRM says they are worth 1 000
    imported.segments.add(casual)
    CustomerRecord.objects.create(
        member=imported, external_id="C-1", segment=casual, clv=1000, imported_at=timezone.now()
    )
    nobody = MemberFactory()  # in no segment: counted as a supporter, worth 0
    MemberFactory().segments.add(casual)  # a fourth Casual member who does not vote
    idea = make_idea()
    for member in (both, casual_only, imported, nobody):
        vote_cast(member=member, idea_id=idea.pk)
    Idea.objects.filter(pk=idea.pk).update(retired_upvotes=2)  # two deleted accounts' votes
    idea.refresh_from_db()

    market = Market()
    assert {v.segment.slug: v.members for v in market.segments} == {"pros": 1, "casual": 3}
    demand = market.idea_demand([idea])[idea.pk]
    split = {s.segment.slug: (s.supporters, s.equity) for s in demand.by_segment}
    assert split == {"pros": (1, Decimal("266.67")), "casual": (2, Decimal("1050.00"))}
    assert (demand.unsegmented_supporters, demand.anonymous_supporters, demand.supporters) == (1, 2, 6)
    # 266.67 + 50 + 1 000
    assert demand.customer_equity == Decimal("1316.67")
    # Pros: 1/1 × 10 000 × 266.67 = 2 666 700; Casual: 2/3 × 100 000 × 50 = 3 333 333.33
    assert demand.extrapolated_equity == Decimal("6000033.33")
    assert demand.extrapolated_customers == Decimal("10000.00") + Decimal("66666.67")

    # A backlog item with two ideas: a member supporting both counts once.
    second = make_idea(title="Second")
    vote_cast(member=both, idea_id=second.pk)
    vote_cast(member=casual_only, idea_id=second.pk, value=-1)  # opposing is not support
    item = BacklogItem.objects.create(product=product, title="Item", created_by=rita)
    item.ideas.add(idea, second)
    item_demand = market.item_demand([item])[item.pk]
    assert {s.segment.slug: s.supporters for s in item_demand.by_segment} == {"pros": 1, "casual": 2}
    assert item_demand.customer_equity == Decimal("1316.67")


@pytest.mark.django_db
def test_demand_queries_do_not_grow_with_ideas(segments, django_assert_num_queries):
    pros, casual = segments
    ideas = [make_idea(title=f"Idea {n}") for n in range(6)]
    for n in range(8):
        member = MemberFactory()
        member.segments.add(pros if n % 2 else casual)
        for idea in ideas[: n % 6 + 1]:
            vote_cast(member=member, idea_id=idea.pk)
    with django_assert_num_queries(2):
        market = Market()
    with django_assert_num_queries(1):
        demand = market.idea_demand(ideas)
    assert sum(d.supporters for d in demand.values()) == sum(n % 6 + 1 for n in range(8))
