from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from community.models import Segment, segment_clv


def test_clv_worked_example():
    # m = 100, r = 0.8, d = 0.1 → 100·0.8 / (1 + 0.1 − 0.8) = 80 / 0.3 = 266.67
    assert segment_clv(margin=Decimal("100"), retention=Decimal("0.8"), discount=Decimal("0.1")) == Decimal(
        "266.67"
    )


def test_clv_with_no_retention_is_zero():
    assert segment_clv(margin=Decimal("100"), retention=Decimal("0"), discount=Decimal("0.1")) == Decimal(
        "0.00"
    )


@pytest.mark.parametrize(
    "retention, discount",
    [(Decimal("1"), Decimal("0.1")), (Decimal("1.2"), Decimal("0")), (Decimal("0.5"), Decimal("-0.1"))],
)
def test_clv_refuses_meaningless_inputs(retention, discount):
    with pytest.raises(ValueError):
        segment_clv(margin=Decimal("100"), retention=retention, discount=discount)


def test_override_and_equity():
    segment = Segment(
        name="S",
        slug="s",
        market_size=1000,
        margin_per_period=Decimal("100"),
        retention_rate=Decimal("0.8"),
        discount_rate=Decimal("0.1"),
    )
    assert segment.customer_equity == Decimal("266670.00")
    segment.clv_override = Decimal("500")
    assert segment.clv == Decimal("500")


@pytest.mark.django_db
def test_form_validation_and_database_refuse_retention_of_one():
    segment = Segment(name="S", slug="s", retention_rate=Decimal("1"), discount_rate=Decimal("0.1"))
    with pytest.raises(ValidationError):
        segment.full_clean()
    with pytest.raises(IntegrityError):
        segment.save()
