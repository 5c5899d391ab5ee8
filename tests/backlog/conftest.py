import pytest

from tests.factories import ProductFactory, SegmentFactory


@pytest.fixture
def segments(db):
    """Two segments with hand-checkable CLVs.

    pros:   m 100, r 0.8, d 0.1 → CLV = 80 / 0.3 = 266.67; market 10 000
    casual: CLV given as 50;                             market 100 000
    """
    pros = SegmentFactory(
        name="Pros",
        slug="pros",
        margin_per_period=100,
        retention_rate="0.8",
        discount_rate="0.1",
        market_size=10_000,
    )
    casual = SegmentFactory(name="Casual", slug="casual", clv_override=50, market_size=100_000)
    return pros, casual


@pytest.fixture
def product(db):
    return ProductFactory(name="Camera", slug="camera", team="Imaging")
