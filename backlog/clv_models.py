"""Predicted CLV from customers' purchase histories: BG/NBD for purchases and drop-out, Gamma-Gamma for
spend, both from pymc-marketing's CLV module fitted by maximum a posteriori (docs/clv.md).

Priors are flat (HalfFlat) on every parameter, so the MAP estimate is the maximum-likelihood estimate of
the papers: that is what reproduces their published parameters on CDNOW (tests/backlog/test_clv_models.py).
pymc-marketing's default BG/NBD priors pull the drop-out parameters a and b 11–14 % below them.

Time is measured in weeks (as in the BG/NBD paper) from daily data: purchases on one day are one purchase.
Refunds (negative amounts) are netted against the customer's latest purchase on or before their date; a
purchase refunded in full is no purchase. Amounts in other currencies are converted with the configured
rates (backlog.exchange); a currency without one is left out.

A fit is stored (CLVFit) with its parameters, window and diagnostics; a fit that fails (too little data,
the optimiser stopping short, a parameter running off) is stored with its message and changes nothing.
"""

import logging
import math
import time
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cocreate.bulk import rows_update
from community.models import Segment

from .exchange import site_amount
from .models import CLVFit, CustomerRecord, Transaction

logger = logging.getLogger(__name__)

WEEKS_PER_MONTH = 4.345  # pymc-marketing's own factor for time_unit="W"
# The calibration/holdout chart groups customers by repeat purchases 0, 1, …, 7 and "7+" as in the paper.
CHART_MAX_FREQUENCY = 7
# A fit needs this many customers, and this many with repeat purchases for the Gamma-Gamma spend model.
MIN_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 10
# Converged: at the optimum, the log-likelihood's gradient per customer is below this in every direction
# (the optimiser's own stopping rule is not exposed through pymc-marketing's fit) …
MAX_GRADIENT_PER_CUSTOMER = 1e-4
# … and no parameter ran off towards 0 or infinity (the data do not identify it).
PARAMETER_RANGE = (1e-6, 1e6)
CENT = Decimal("0.01")


class FitFailed(Exception):
    """The data cannot be fitted (too little of it) or the optimiser did not converge."""


@dataclass
class Fitted:
    """A fitted pymc-marketing model with its parameters and the convergence verdict."""

    model: object
    parameters: dict
    max_gradient: float


def _bg_nbd_priors():
    from pymc_extras.prior import Prior  # costly import (pymc), only where a fit runs

    return {
        "r": Prior("HalfFlat"),
        "alpha": Prior("HalfFlat"),
        "a": Prior("HalfFlat"),
        "b": Prior("HalfFlat"),
    }


def _map_fit(model, data: pd.DataFrame, names: list[str], *, maxeval: int, label: str) -> Fitted:
    """Fit by MAP and check convergence with the model's own gradient at the optimum."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pytensor's "no optimised BLAS" and pymc's deprecations
        model.fit(data=data, method="map", progressbar=False, maxeval=maxeval)
    posterior = model.idata.posterior
    parameters = {name: float(np.asarray(posterior[name].values).squeeze()) for name in names}
    point = {}
    for rv in model.model.free_RVs:
        value = np.asarray(posterior[rv.name].values).squeeze()
        transform = model.model.rvs_to_transforms.get(rv)
        if transform is not None:
            value = transform.forward(value, *rv.owner.inputs).eval()
        point[model.model.rvs_to_values[rv].name] = value
    gradient = np.asarray(model.model.compile_dlogp(jacobian=False)(point), dtype=float)
    max_gradient = float(np.max(np.abs(gradient))) if gradient.size else 0.0
    bad = [n for n, v in parameters.items() if not math.isfinite(v)]
    if bad:
        raise FitFailed(
            _("%(model)s: the fit gave no finite value for %(names)s.")
            % {"model": label, "names": ", ".join(bad)}
        )
    off = [n for n, v in parameters.items() if not PARAMETER_RANGE[0] < v < PARAMETER_RANGE[1]]
    if off:
        raise FitFailed(
            _("%(model)s did not converge: %(names)s ran off to %(values)s (the data do not identify it).")
            % {
                "model": label,
                "names": ", ".join(off),
                "values": ", ".join(f"{parameters[n]:.3g}" for n in off),
            }
        )
    if not math.isfinite(max_gradient) or max_gradient > MAX_GRADIENT_PER_CUSTOMER * max(len(data), 1):
        raise FitFailed(
            _(
                "%(model)s did not converge: the optimiser stopped where the likelihood still rises "
                "(largest gradient %(gradient).3g)."
            )
            % {"model": label, "gradient": max_gradient}
        )
    return Fitted(model=model, parameters=parameters, max_gradient=max_gradient)


def fit_bg_nbd(rfm: pd.DataFrame, *, maxeval: int = 5000) -> Fitted:
    """BG/NBD on a frame of customer_id, frequency, recency, T (weeks)."""
    from pymc_marketing.clv import BetaGeoModel  # costly import, only where a fit runs

    model = BetaGeoModel(model_config=_bg_nbd_priors())
    data = rfm[["customer_id", "frequency", "recency", "T"]]
    return _map_fit(model, data, ["r", "alpha", "a", "b"], maxeval=maxeval, label=_("BG/NBD"))


def fit_gamma_gamma(rfm: pd.DataFrame, *, maxeval: int = 5000) -> Fitted:
    """Gamma-Gamma on the repeat buyers of a frame of customer_id, frequency, monetary_value (the mean
    spend of their repeat purchases). Flat priors are pymc-marketing's default for this model."""
    from pymc_marketing.clv import GammaGammaModel  # costly import, only where a fit runs

    repeat = rfm[(rfm["frequency"] > 0) & (rfm["monetary_value"] > 0)]
    if len(repeat) < MIN_REPEAT_CUSTOMERS:
        raise FitFailed(
            _("Too few customers with repeat purchases for the spend model: %(n)d (at least %(min)d).")
            % {"n": len(repeat), "min": MIN_REPEAT_CUSTOMERS}
        )
    fitted = _map_fit(
        GammaGammaModel(),
        repeat[["customer_id", "frequency", "monetary_value"]],
        ["p", "q", "v"],
        maxeval=maxeval,
        label=_("Gamma-Gamma"),
    )
    if fitted.parameters["q"] <= 1:
        raise FitFailed(
            _("Gamma-Gamma: q = %(q).3g ≤ 1 means spend without a finite mean; no CLV can be predicted.")
            % {"q": fitted.parameters["q"]}
        )
    return fitted


# The data -----------------------------------------------------------------------------------------


def purchases_frame(*, window_start: date | None, window_end: date) -> tuple[pd.DataFrame, int]:
    """The purchase days in the window: customer_id, date, amount in the site currency (other currencies
    converted with CLV_EXCHANGE_RATES, backlog.exchange), with refunds netted.

    Returns the frame and the number of transactions left out for a currency without a rate.
    """
    rows = Transaction.objects.filter(occurred_on__lte=window_end)
    if window_start is not None:
        rows = rows.filter(occurred_on__gte=window_start)
    rows = rows.annotate(converted=site_amount())
    other_currency = rows.filter(converted__isnull=True).count()
    values = rows.filter(converted__isnull=False).order_by()
    values = values.values_list("customer_id", "occurred_on", "converted")
    ids, dates, amounts = [], [], []
    for customer_id, occurred_on, amount in values.iterator(chunk_size=20_000):
        ids.append(customer_id)
        dates.append(occurred_on)
        amounts.append(float(amount))
    frame = pd.DataFrame(
        {"customer_id": np.asarray(ids, dtype=np.int64), "date": pd.to_datetime(dates), "amount": amounts}
    )
    return net_refunds(frame), other_currency


def net_refunds(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and day with the day's net amount; each refund (a day whose net is negative)
    is taken off the customer's latest earlier purchase days, latest first; days left at 0 or below are
    no purchase. A refund with no purchase before it in the window is dropped."""
    if frame.empty:
        return frame.assign(amount=frame["amount"].astype(float))
    days = frame.groupby(["customer_id", "date"], as_index=False, sort=True)["amount"].sum()
    refunding = days.loc[days["amount"] < 0, "customer_id"].unique()
    if len(refunding):
        amounts = days["amount"].to_numpy(copy=True)
        positions = days.groupby("customer_id").indices
        for customer_id in refunding:
            rows = positions[customer_id]
            for index, position in enumerate(rows):
                owed = -amounts[position]
                if owed <= 0:
                    continue
                amounts[position] = 0.0
                for earlier in reversed(rows[:index]):
                    if owed <= 0:
                        break
                    taken = min(max(amounts[earlier], 0.0), owed)
                    amounts[earlier] -= taken
                    owed -= taken
        days["amount"] = amounts
    return days[days["amount"] > 0.005].reset_index(drop=True)


def rfm_weeks(purchases: pd.DataFrame, *, observation_end: date) -> pd.DataFrame:
    """customer_id, frequency, recency, T (weeks), monetary_value from purchase days (pymc-marketing's
    rfm_summary on days, scaled to weeks so that two purchases in one week stay two)."""
    from pymc_marketing.clv.utils import rfm_summary

    return rfm_summary(
        purchases,
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(observation_end),
        time_unit="D",
        time_scaler=7,
    )


def calibration_holdout(
    purchases: pd.DataFrame, *, calibration_end: date, window_end: date, maxeval: int
) -> dict:
    """The BG/NBD paper's check: fit on the calibration period, then compare by calibration-period
    frequency the mean repeat purchases predicted for the holdout period with the actual ones."""
    from pymc_marketing.clv.utils import rfm_train_test_split

    split = rfm_train_test_split(
        purchases,
        "customer_id",
        "date",
        train_period_end=pd.Timestamp(calibration_end),
        test_period_end=pd.Timestamp(window_end),
        time_unit="D",
        time_scaler=7,
    )
    if len(split) < MIN_CUSTOMERS:
        return {"skipped": _("Too few customers bought before the holdout period to check the fit.")}
    fitted = fit_bg_nbd(split, maxeval=maxeval)
    predicted = fitted.model.expected_purchases(
        data=split[["customer_id", "frequency", "recency", "T"]], future_t=split["test_T"].to_numpy()
    )
    split = split.assign(predicted=np.asarray(predicted).reshape(-1)[: len(split)])
    split["group"] = split["frequency"].clip(upper=CHART_MAX_FREQUENCY).astype(int)
    groups = split.groupby("group").agg(
        customers=("customer_id", "size"), actual=("test_frequency", "mean"), predicted=("predicted", "mean")
    )
    return {
        "calibration_parameters": fitted.parameters,
        "holdout_weeks": float(split["test_T"].iloc[0]),
        "by_frequency": [
            {
                "frequency": int(group),
                "label": f"{group}+" if group == CHART_MAX_FREQUENCY else str(group),
                "customers": int(row.customers),
                "actual": float(row.actual),
                "predicted": float(row.predicted),
            }
            for group, row in groups.iterrows()
        ],
    }


# The service --------------------------------------------------------------------------------------


def clv_fit_create(*, created_by=None, window_start=None, window_end=None, horizon_months=None) -> CLVFit:
    """A fit waiting to run (status RUNNING); `clv_fit_run` (the task `backlog.tasks.run_clv_fit`) runs it."""
    return CLVFit.objects.create(
        created_by=created_by,
        window_start=window_start,
        window_end=window_end or timezone.localdate(),
        horizon_months=horizon_months or settings.CLV_HORIZON_MONTHS,
    )


def monthly_discount(annual: Decimal | float | None) -> float:
    """A segment's discount rate is per year (as in its formula's examples); the CLV sums months."""
    annual = float(annual if annual is not None else Decimal("0.1"))
    return (1 + annual) ** (1 / 12) - 1


def clv_fit_run(*, fit: CLVFit, maxeval: int | None = None) -> CLVFit:
    """Fit the models to the fit's window and, if they converge, store every customer's prediction,
    the at-risk flags and each segment's mean predicted CLV. Safe to run twice: a fit that is not
    RUNNING any more is left as it is."""
    maxeval = maxeval or settings.CLV_FIT_MAX_EVALUATIONS
    if fit.status != CLVFit.Status.RUNNING:
        return fit
    started = time.perf_counter()
    stages = {}

    def lap(name):
        stages[name] = round(time.perf_counter() - started - sum(stages.values()), 3)

    window_end = fit.window_end or timezone.localdate()
    try:
        purchases, other_currency = purchases_frame(window_start=fit.window_start, window_end=window_end)
        fit.transactions = len(purchases)
        if purchases.empty:
            raise FitFailed(_("There are no purchases in the window."))
        window_start = fit.window_start or purchases["date"].min().date()
        rfm = rfm_weeks(purchases, observation_end=window_end)
        lap("read")
        fit.customers = len(rfm)
        if len(rfm) < MIN_CUSTOMERS:
            raise FitFailed(
                _("Too few customers to fit: %(n)d (at least %(min)d).")
                % {"n": len(rfm), "min": MIN_CUSTOMERS}
            )
        calibration_end = window_end - timedelta(days=settings.CLV_HOLDOUT_DAYS)
        diagnostics = {"other_currency_transactions": other_currency}
        if calibration_end > window_start + timedelta(days=settings.CLV_HOLDOUT_DAYS):
            try:
                diagnostics["holdout"] = calibration_holdout(
                    purchases, calibration_end=calibration_end, window_end=window_end, maxeval=maxeval
                )
            except FitFailed as error:
                diagnostics["holdout"] = {"skipped": str(error)}
        else:
            calibration_end = None
            diagnostics["holdout"] = {"skipped": _("The window is too short to hold out a period.")}
        lap("holdout")
        bg = fit_bg_nbd(rfm, maxeval=maxeval)
        lap("bg_nbd")
        gg = fit_gamma_gamma(rfm, maxeval=maxeval)
        lap("gamma_gamma")
        repeat = rfm[rfm["frequency"] > 0]
        if len(repeat) > 2:
            diagnostics["spend_frequency_correlation"] = float(
                np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1]
            )
        predictions = _predict(bg, gg, rfm, horizon_months=fit.horizon_months)
        lap("predict")
    except FitFailed as error:
        fit.status, fit.converged, fit.message = CLVFit.Status.FAILED, False, str(error)
        fit.seconds = time.perf_counter() - started
        fit.save()
        logger.warning("CLV fit %s failed: %s", fit.pk, error)
        return fit
    fit.window_start, fit.window_end, fit.calibration_end = window_start, window_end, calibration_end
    fit.parameters = {"bg_nbd": bg.parameters, "gamma_gamma": gg.parameters, "time_unit": "week"}
    diagnostics["max_gradient"] = {"bg_nbd": bg.max_gradient, "gamma_gamma": gg.max_gradient}
    fit.diagnostics = diagnostics
    fit.status, fit.converged = CLVFit.Status.SUCCEEDED, True
    fit.message = _("Customers: %(customers)d; purchase days: %(purchases)d.") % {
        "customers": fit.customers,
        "purchases": fit.transactions,
    }
    with transaction.atomic():
        _store_predictions(fit, predictions)
        lap("store")
        fit.diagnostics["seconds"] = stages
        fit.seconds = time.perf_counter() - started
        fit.save()
    return fit


def _predict(bg: Fitted, gg: Fitted, rfm: pd.DataFrame, *, horizon_months: int) -> pd.DataFrame:
    from pymc_marketing.clv.utils import customer_lifetime_value

    data = rfm[["customer_id", "frequency", "recency", "T", "monetary_value"]].copy()
    weeks = horizon_months * WEEKS_PER_MONTH
    expected = np.asarray(bg.model.expected_purchases(data=data, future_t=weeks)).reshape(-1)
    alive = np.asarray(bg.model.expected_probability_alive(data=data)).reshape(-1)
    spend = np.asarray(gg.model.expected_customer_spend(data=data)).reshape(-1)
    data["future_spend"] = spend
    segments = dict(
        CustomerRecord.objects.filter(pk__in=data["customer_id"].tolist()).values_list("pk", "segment_id")
    )
    rates = dict(Segment.objects.values_list("pk", "discount_rate"))
    data["discount"] = [monthly_discount(rates.get(segments.get(pk))) for pk in data["customer_id"]]
    clv = np.zeros(len(data))
    for rate, group in data.groupby("discount"):
        values = customer_lifetime_value(
            transaction_model=bg.model,
            data=group[["customer_id", "frequency", "recency", "T", "future_spend"]].copy(),
            future_t=horizon_months,
            discount_rate=rate,
            time_unit="W",
        )
        clv[data.index.get_indexer(group.index)] = np.asarray(values.mean(("chain", "draw"))).reshape(-1)
    return pd.DataFrame(
        {"customer_id": data["customer_id"], "expected": expected, "alive": alive, "clv": np.maximum(clv, 0)}
    )


def money(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP)


PREDICTION_FIELDS = [
    "expected_purchases",
    "p_alive",
    "predicted_clv",
    "predicted_at",
    "prediction_fit",
    "at_risk",
    "value_at_risk",
]


def _store_predictions(fit: CLVFit, predictions: pd.DataFrame) -> None:
    max_alive = settings.CLV_AT_RISK_MAX_P_ALIVE
    min_clv = Decimal(settings.CLV_AT_RISK_MIN_CLV)
    now = timezone.now()
    records = []
    for row in predictions.itertuples(index=False):
        alive = min(max(float(row.alive), 0.0), 1.0)
        clv = money(row.clv)
        retained = money(row.clv / alive) if alive > 0 else Decimal("0")
        at_risk = alive < max_alive and retained >= min_clv
        records.append(
            CustomerRecord(
                pk=int(row.customer_id),
                expected_purchases=float(row.expected),
                p_alive=alive,
                predicted_clv=clv,
                predicted_at=now,
                prediction_fit=fit,
                at_risk=at_risk,
                value_at_risk=money(float(retained) * (1 - alive)) if at_risk else None,
            )
        )
    # One UPDATE … FROM (VALUES …) per 2,000 rows on PostgreSQL; bulk_update elsewhere (cocreate.bulk).
    rows_update(CustomerRecord, records, PREDICTION_FIELDS)
    # Customers without purchases in this window have no prediction from it.
    CustomerRecord.objects.exclude(prediction_fit=fit).exclude(predicted_at__isnull=True).update(
        expected_purchases=None,
        p_alive=None,
        predicted_clv=None,
        predicted_at=None,
        prediction_fit=None,
        at_risk=False,
        value_at_risk=None,
    )
    means = {
        row["segment_id"]: row
        for row in CustomerRecord.objects.filter(prediction_fit=fit, segment__isnull=False)
        .values("segment_id")
        .annotate(mean=Avg("predicted_clv"), n=Count("pk"))
        .order_by()
    }
    for segment in Segment.objects.all():
        row = means.get(segment.pk)
        segment.predicted_clv = money(row["mean"]) if row else None
        segment.predicted_clv_customers = row["n"] if row else 0
        segment.save(update_fields=["predicted_clv", "predicted_clv_customers"])
