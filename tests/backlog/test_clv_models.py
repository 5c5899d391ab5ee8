"""The CLV models: the published CDNOW parameters, recovery of known parameters, failed fits, and what a
fit stores. Fits are MAP (seconds each); the first fit of a session also compiles pytensor's C code."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from django.utils import timezone

from backlog import clv_models
from backlog.clv_models import (
    FitFailed,
    clv_fit_create,
    clv_fit_run,
    fit_bg_nbd,
    fit_gamma_gamma,
    net_refunds,
)
from backlog.clv_simulation import Truth, simulate
from backlog.models import CLVFit, CustomerRecord, Transaction

from ..factories import SegmentFactory

CDNOW = Path(__file__).parent / "data" / "cdnow_summary.csv"
# Fader, Hardie & Lee (2005), BG/NBD on the CDNOW sample of 2,357 customers (weeks); Fader & Hardie (2013),
# "The Gamma-Gamma model of monetary value", on its 946 repeat buyers.
PUBLISHED_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


def close(got: dict, expected: dict, tolerance: float) -> dict:
    """The parameters that are off by more than `tolerance` (relative), with both values."""
    return {k: (got[k], v) for k, v in expected.items() if abs(got[k] - v) > tolerance * v}


@pytest.fixture(scope="module")
def cdnow():
    frame = pd.read_csv(CDNOW)
    frame.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return frame


def test_bg_nbd_reproduces_the_published_cdnow_parameters(cdnow):
    fitted = fit_bg_nbd(cdnow)
    assert close(fitted.parameters, PUBLISHED_BG_NBD, 0.01) == {}


def test_gamma_gamma_reproduces_the_published_cdnow_parameters(cdnow):
    fitted = fit_gamma_gamma(cdnow)
    assert close(fitted.parameters, PUBLISHED_GAMMA_GAMMA, 0.01) == {}


@pytest.fixture(scope="module")
def synthetic():
    """3,000 customers over two years from known parameters, through the same steps as the site's data."""
    rows = pd.DataFrame(list(simulate(3000, weeks=104, seed=3)), columns=["customer_id", "date", "amount"])
    rows["date"] = pd.to_datetime(rows["date"])
    return clv_models.rfm_weeks(net_refunds(rows), observation_end=date(2024, 1, 1) + timedelta(weeks=104))


def test_the_models_recover_known_parameters(synthetic):
    truth = Truth()
    bg = fit_bg_nbd(synthetic)
    assert close(bg.parameters, {"r": truth.r, "alpha": truth.alpha, "a": truth.a, "b": truth.b}, 0.15) == {}
    gg = fit_gamma_gamma(synthetic)
    assert close(gg.parameters, {"p": truth.p, "q": truth.q, "v": truth.gamma}, 0.15) == {}


def test_an_optimiser_stopped_short_is_a_failed_fit(synthetic):
    with pytest.raises(
        FitFailed, match="did not converge: the optimiser stopped where the likelihood still rises"
    ):
        fit_bg_nbd(synthetic, maxeval=3)


def test_too_few_repeat_buyers_for_the_spend_model():
    frame = pd.DataFrame(
        {"customer_id": range(30), "frequency": [0] * 25 + [1] * 5, "monetary_value": [0.0] * 25 + [10.0] * 5}
    )
    with pytest.raises(FitFailed, match="Too few customers with repeat purchases"):
        fit_gamma_gamma(frame)


def test_refunds_are_netted_against_the_latest_earlier_purchase():
    day = pd.Timestamp
    frame = pd.DataFrame(
        [
            (1, day("2025-01-01"), 30.0),
            (1, day("2025-01-10"), 20.0),
            (
                1,
                day("2025-01-12"),
                -25.0,
            ),  # takes 20 of 10 January (none left: no purchase) and 5 of 1 January
            (2, day("2025-01-05"), -10.0),  # a refund with no purchase before it: dropped
            (2, day("2025-01-06"), 40.0),
            (2, day("2025-01-06"), -15.0),  # the same day: netted within the day
        ],
        columns=["customer_id", "date", "amount"],
    )
    rows = [(r.customer_id, r.date.day, r.amount) for r in net_refunds(frame).itertuples()]
    assert rows == [(1, 1, 25.0), (2, 6, 25.0)]


# What a fit stores ---------------------------------------------------------------------------------


@pytest.fixture
def shop_history(db):
    """600 simulated customers in two segments, with their purchases in the database."""
    pros = SegmentFactory(name="Pros", slug="pros", discount_rate="0.1")
    casual = SegmentFactory(name="Casual", slug="casual", clv_override=50)
    now = timezone.now()
    records = CustomerRecord.objects.bulk_create(
        CustomerRecord(
            external_id=f"C-{n}",
            email=f"c{n}@example.com",
            segment=pros if n % 2 else casual,
            clv=1,
            imported_at=now,
        )
        for n in range(600)
    )
    batch = "00000000-0000-0000-0000-000000000001"
    Transaction.objects.bulk_create(
        Transaction(
            customer=records[customer],
            occurred_on=day,
            amount=Decimal(str(amount)),
            batch=batch,
            imported_at=now,
        )
        for customer, day, amount in simulate(600, weeks=104, seed=5)
        if day <= date(2025, 12, 28)
    )
    return {"pros": pros, "casual": casual}


@pytest.mark.django_db
def test_a_fit_stores_parameters_diagnostics_and_every_prediction(shop_history, settings):
    settings.CLV_AT_RISK_MAX_P_ALIVE, settings.CLV_AT_RISK_MIN_CLV = 0.5, "50"
    fit = clv_fit_run(fit=clv_fit_create(window_end=date(2025, 12, 28), horizon_months=12))
    assert fit.status == CLVFit.Status.SUCCEEDED and fit.converged, fit.message
    assert fit.customers == 600 and set(fit.parameters) == {"bg_nbd", "gamma_gamma", "time_unit"}
    assert fit.window_start == date(2024, 1, 1) and fit.calibration_end == date(2025, 12, 28) - timedelta(
        days=180
    )
    groups = fit.diagnostics["holdout"]["by_frequency"]
    assert [g["label"] for g in groups][-1] == "7+" and sum(g["customers"] for g in groups) > 500
    records = CustomerRecord.objects.all()
    assert not records.filter(predicted_clv__isnull=True).exists()
    assert all(
        0 <= r.p_alive <= 1 and r.expected_purchases >= 0 and r.prediction_fit_id == fit.pk for r in records
    )
    # A segment's CLV is the mean of its customers' predictions; an override still wins.
    pros, casual = (s.__class__.objects.get(pk=s.pk) for s in (shop_history["pros"], shop_history["casual"]))
    predictions = [r.predicted_clv for r in records.filter(segment=pros)]
    assert pros.predicted_clv == (sum(predictions) / len(predictions)).quantize(Decimal("0.01"))
    assert pros.clv == pros.predicted_clv and pros.predicted_clv_customers == 300
    assert casual.predicted_clv is not None and casual.clv == Decimal("50")
    # At risk: low P(alive), high CLV if retained; the value at risk is that CLV × (1 − P(alive)).
    flagged = list(records.filter(at_risk=True))
    assert flagged
    for record in flagged:
        retained = record.value_at_risk / Decimal(1 - record.p_alive)  # the CLV if retained
        assert record.p_alive < 0.5 and retained >= Decimal("49.99")
        if record.p_alive > 0.01:  # the predicted CLV is that value × P(alive) (to the cent of rounding)
            assert abs(retained * Decimal(record.p_alive) - record.predicted_clv) < Decimal("0.5")
    assert not records.filter(at_risk=False, value_at_risk__isnull=False).exists()

    # A fit that does not converge is kept with its message and changes no prediction.
    before = list(records.order_by("pk").values_list("predicted_clv", "p_alive", "prediction_fit"))
    failed = clv_fit_run(fit=clv_fit_create(window_end=date(2025, 12, 28)), maxeval=3)
    assert failed.status == CLVFit.Status.FAILED and not failed.converged
    assert "did not converge" in failed.message
    assert list(records.order_by("pk").values_list("predicted_clv", "p_alive", "prediction_fit")) == before
    pros.refresh_from_db()
    assert pros.clv == pros.predicted_clv


@pytest.mark.django_db
def test_too_little_data_is_a_failed_fit_with_a_clear_message():
    fit = clv_fit_run(fit=clv_fit_create())
    assert fit.status == CLVFit.Status.FAILED and fit.message == "There are no purchases in the window."
    assert clv_fit_run(fit=fit).status == CLVFit.Status.FAILED  # running it again changes nothing
