"""cocreate.bulk.rows_update: PostgreSQL's UPDATE … FROM (VALUES …) stores exactly what Django's
bulk_update stores (run on SQLite and on PostgreSQL: DATABASE_URL=postgres://…)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backlog.clv_models import PREDICTION_FIELDS
from backlog.models import CLVFit, CustomerRecord
from cocreate.bulk import rows_update, update_from_values

pytestmark = pytest.mark.django_db


def customers(prefix: str, n: int) -> list[CustomerRecord]:
    now = timezone.now()
    CustomerRecord.objects.bulk_create(
        [CustomerRecord(external_id=f"{prefix}-{i}", clv=1, imported_at=now) for i in range(n)]
    )
    return list(CustomerRecord.objects.filter(external_id__startswith=f"{prefix}-").order_by("external_id"))


def predictions(records: list[CustomerRecord], fit: CLVFit) -> list[CustomerRecord]:
    """New values of every kind: floats, decimals, datetimes, a foreign key, booleans, and NULLs (a
    whole batch of NULLs in value_at_risk and prediction_fit too)."""
    when = datetime(2026, 12, 4, 21, 30, 15, 123456, tzinfo=UTC)
    for i, record in enumerate(records):
        at_risk = i % 3 == 0 and i >= 5
        record.expected_purchases = i / 7
        record.p_alive = None if i == 1 else (i % 10) / 10
        record.predicted_clv = Decimal(i * 101) / 100
        record.predicted_at = when + timedelta(seconds=i)
        record.prediction_fit = fit if i >= 5 else None
        record.at_risk = at_risk
        record.value_at_risk = Decimal("1234567.89") - i if at_risk else None
    return records


def stored(prefix: str) -> list[tuple]:
    return list(
        CustomerRecord.objects.filter(external_id__startswith=f"{prefix}-")
        .order_by("external_id")
        .values_list(*[f"{name}_id" if name == "prediction_fit" else name for name in PREDICTION_FIELDS])
    )


def test_rows_update_stores_what_bulk_update_stores():
    fit = CLVFit.objects.create(status=CLVFit.Status.SUCCEEDED)
    CustomerRecord.objects.bulk_update(predictions(customers("a", 23), fit), PREDICTION_FIELDS)
    rows_update(CustomerRecord, predictions(customers("b", 23), fit), PREDICTION_FIELDS)
    assert stored("a") == stored("b")
    assert stored("b")[1][1] is None and stored("b")[6][6] == Decimal("1234561.89")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="UPDATE … FROM (VALUES …) is PostgreSQL's")
def test_update_from_values_is_one_statement_per_batch_and_stores_what_bulk_update_stores():
    fit = CLVFit.objects.create(status=CLVFit.Status.SUCCEEDED)
    CustomerRecord.objects.bulk_update(predictions(customers("a", 23), fit), PREDICTION_FIELDS)
    records = predictions(customers("b", 23), fit)
    with CaptureQueriesContext(connection) as queries:
        update_from_values(CustomerRecord, records, PREDICTION_FIELDS, using="default", batch_size=5)
    assert len(queries) == 5 and all(
        q["sql"].startswith('UPDATE "backlog_customerrecord" AS t') for q in queries
    )
    assert stored("a") == stored("b")
    # The first batch's value_at_risk and prediction_fit are all NULL: the casts give them their type.
    assert stored("b")[0][4] is None and stored("b")[0][6] is None


def test_only_plain_fields_of_saved_rows():
    records = customers("c", 2)
    with pytest.raises(ValueError):
        update_from_values(CustomerRecord, records, ["id"], using="default")
    with pytest.raises(ValueError):
        update_from_values(
            CustomerRecord, [CustomerRecord(external_id="new", clv=1)], ["clv"], using="default"
        )
