"""The CLV model against worked examples (docs/clv.md), decimal-exact."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from backlog.demand import Market
from community.models import Segment, segment_clv
from tests.factories import SegmentFactory


@pytest.mark.parametrize(
    "margin, retention, discount, clv",
    [
        # 100 × 0.8 / (1 + 0.1 − 0.8) = 80 / 0.3 = 266.666… → 266.67
        ("100", "0.8", "0.1", "266.67"),
        # r = 0: the customer buys once and is gone before the next period's margin: CLV 0
        ("100", "0", "0.1", "0.00"),
        # d = 0: 100 × 0.5 / 0.5 = 100, the undiscounted geometric sum m·r/(1−r)
        ("100", "0.5", "0", "100.00"),
        # 40 × 0.9 / (1 + 0.12 − 0.9) = 36 / 0.22 = 163.6363… → 163.64
        ("40", "0.9", "0.12", "163.64"),
        # retention just below 1, no discount: 10 × 0.9999 / 0.0001 = 99 990
        ("10", "0.9999", "0", "99990.00"),
    ],
)
def test_worked_examples(margin, retention, discount, clv):
    result = segment_clv(margin=Decimal(margin), retention=Decimal(retention), discount=Decimal(discount))
    assert result == Decimal(clv)
    assert isinstance(result, Decimal)


@pytest.mark.parametrize(
    "retention, discount",
    [
        ("1", "0.1"),  # kept for ever: with d = 0 the sum is infinite
        ("1.2", "0.1"),  # more than everyone kept: meaningless
        ("-0.1", "0.1"),  # negative retention: meaningless
        ("0.5", "-0.1"),  # negative discount rate: meaningless (and 1 + d − r can reach 0)
    ],
)
def test_refused_inputs(retention, discount):
    with pytest.raises(ValueError):
        segment_clv(margin=Decimal("100"), retention=Decimal(retention), discount=Decimal(discount))


@pytest.mark.django_db
def test_segment_clv_override_and_customer_equity():
    formula = SegmentFactory(
        margin_per_period=100, retention_rate="0.8", discount_rate="0.1", market_size=1000
    )
    given = SegmentFactory(margin_per_period=100, retention_rate="0.8", clv_override="1234.50", market_size=3)
    formula.refresh_from_db()
    given.refresh_from_db()
    assert formula.clv == Decimal("266.67")
    assert formula.customer_equity == Decimal("266670.00")
    assert given.clv == Decimal("1234.50")
    market = Market()
    assert market.customer_equity == Decimal("266670.00") + Decimal("3703.50")
    # Ranked by CLV, highest first.
    assert [v.segment for v in market.segments] == [given, formula]


@pytest.mark.django_db
def test_segment_refuses_retention_of_one_and_negative_discount():
    segment = Segment(name="X", slug="x", retention_rate=Decimal("1"), discount_rate=Decimal("-0.1"))
    with pytest.raises(ValidationError) as error:
        segment.full_clean()
    assert {"retention_rate", "discount_rate"} <= set(error.value.message_dict)
    with pytest.raises(IntegrityError), transaction.atomic():
        Segment.objects.create(name="Y", slug="y", retention_rate=Decimal("1"))
