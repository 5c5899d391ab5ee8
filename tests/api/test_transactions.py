"""PUT /api/v1/transactions: the transactions import (backlog.transactions) over the API, all or nothing
and idempotent, each bad row a field error naming it (`transactions.N`)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backlog.models import CustomerRecord, Transaction
from tests.factories import SegmentFactory

from .conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db

STAFF = ["read", "write", "staff"]


@pytest.fixture
def shop(carl):
    pros, others = SegmentFactory(slug="pros"), SegmentFactory(slug="others")
    pros.managers.add(carl)
    now = timezone.now()
    CustomerRecord.objects.create(external_id="C-1", segment=pros, clv=10, imported_at=now)
    CustomerRecord.objects.create(external_id="C-2", segment=pros, clv=10, imported_at=now)
    CustomerRecord.objects.create(external_id="X-1", segment=others, clv=10, imported_at=now)


@pytest.fixture
def api(client, carl, shop):
    return ApiClient(client, make_token(carl, STAFF))


ROWS = [
    {"external_id": "C-1", "date": "2026-01-05", "amount": "19.90", "reference": "A1"},
    {"external_id": "C-1", "date": "2026-01-09", "amount": -5, "currency": "EUR", "reference": "A1"},
    {"external_id": "C-2", "date": "2026-02-01", "amount": 7.5},
]


def fields(response):
    return [(e["field"], e["detail"]) for e in response.json()["errors"]]


def test_import_then_the_same_body_again_changes_nothing(api):
    done = api.put("/transactions", json={"transactions": ROWS})
    assert done.status_code == 200, done.content
    assert done.json() == {"rows": 3, "created": 3, "unchanged": 0, "customers": 2, "imported": True}
    stored = sorted(Transaction.objects.values_list("customer__external_id", "amount", "currency", "source"))
    assert stored == [
        ("C-1", Decimal("-5.00"), "", "api"),  # a refund, kept as sent (netted by the fits)
        ("C-1", Decimal("19.90"), "", "api"),
        ("C-2", Decimal("7.50"), "", "api"),
    ]
    again = api.put("/transactions", json={"transactions": ROWS})
    assert again.json() == {"rows": 3, "created": 0, "unchanged": 3, "customers": 2, "imported": True}
    assert Transaction.objects.count() == 3


def test_a_dry_run_writes_nothing(api):
    checked = api.put("/transactions", json={"transactions": ROWS, "dry_run": True})
    assert checked.json() == {"rows": 3, "created": 3, "unchanged": 0, "customers": 2, "imported": False}
    assert not Transaction.objects.exists()


TOMORROW = (timezone.localdate() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    "row, detail",
    [
        ({"date": TOMORROW}, f"date {TOMORROW} is in the future"),
        ({"date": "05/01/2026"}, "date “05/01/2026” is not a date written YYYY-MM-DD"),
        ({"amount": "0"}, "amount 0 is neither a purchase nor a refund"),
        ({"amount": "1,5"}, None),  # not a decimal: the schema's type error
        ({"amount": "250000000"}, "amount 250000000.00 is implausibly large (over 100000000)"),
        (
            {"external_id": "C-404"},
            "no customer has the external id C-404 (import the customer from the CRM first)",
        ),
        ({"external_id": "X-1"}, "customer X-1 is not in a segment you manage"),
        ({"currency": "euro"}, "currency “euro” is not a three-letter ISO code such as EUR"),
        ({"currency": "JPY"}, "currency JPY has no exchange rate configured"),
        ({"reference": "r" * 101}, "the reference is longer than 100 characters"),
    ],
)
def test_a_bad_row_is_a_field_error_and_nothing_is_written(api, row, detail):
    response = api.put("/transactions", json={"transactions": [ROWS[0], {**ROWS[2], **row}]})
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    errors = fields(response)
    assert [field.split(".")[:2] for field, _detail in errors] == [["transactions", "1"]]
    if detail is not None:
        assert errors == [("transactions.1", detail)]
    assert not Transaction.objects.exists()


def test_duplicate_rows_name_the_first(api):
    response = api.put("/transactions", json={"transactions": [*ROWS, ROWS[0]]})
    assert fields(response) == [("transactions.3", "the same transaction as row 0")]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"transactions": [{**ROWS[0], "amount": True}]}, "transactions.0.amount"),
        ({"transactions": [{**ROWS[0], "date": 20260105}]}, "transactions.0.date"),
        ({"transactions": [{**ROWS[0], "external_id": None}]}, "transactions.0.external_id"),
        ({"transactions": [{**ROWS[0], "amount": "NaN"}]}, "transactions.0.amount"),
        ({"transactions": [{**ROWS[0], "shop": "Berlin"}]}, "transactions.0.shop"),  # unknown field
        ({"transactions": ROWS, "currency": "EUR"}, "currency"),
        ({"transactions": []}, "transactions"),
        ({"transactions": [ROWS[0]] * 5001}, "transactions"),  # the count limit
        ({"transactions": "C-1,2026-01-05,10"}, "transactions"),
        ({"transactions": [ROWS[0], {**ROWS[0], "reference": "A\x00"}]}, "transactions"),  # NUL
    ],
)
def test_wrong_types_unknown_fields_and_too_many_rows(api, body, field):
    response = api.put("/transactions", json=body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Transaction.objects.exists()


def test_other_currencies_with_a_configured_rate(api, settings):
    settings.CLV_EXCHANGE_RATES = {"USD": "0.92"}
    response = api.put("/transactions", json={"transactions": [{**ROWS[2], "currency": "usd"}]})
    assert response.status_code == 200 and Transaction.objects.get().currency == "USD"


def test_only_customer_managers_and_administrators_with_the_staff_scope(client, shop, alice, rita, adam):
    body = {"transactions": ROWS}
    assert ApiClient(client, make_token(rita, STAFF)).put("/transactions", json=body).status_code == 403
    assert (
        ApiClient(client, make_token(alice, ["read", "write"])).put("/transactions", json=body).status_code
        == 403
    )
    no_staff_scope = ApiClient(client, make_token(adam, ["read", "write"])).put("/transactions", json=body)
    assert no_staff_scope.status_code == 403
    read_only = ApiClient(client, make_token(adam, ["read", "staff"])).put("/transactions", json=body)
    assert read_only.status_code == 403
    assert not Transaction.objects.exists()
    # Administrators import for every segment's customers.
    everyone = [*ROWS, {"external_id": "X-1", "date": "2026-01-05", "amount": "3"}]
    done = ApiClient(client, make_token(adam, STAFF)).put("/transactions", json={"transactions": everyone})
    assert done.status_code == 200 and done.json()["created"] == 4


def test_many_bad_rows_list_the_first_and_count_the_rest(api, monkeypatch):
    from backlog import transactions

    monkeypatch.setattr(transactions, "MAX_LISTED_ERRORS", 2)
    rows = [{**ROWS[0], "amount": "0"} for _n in range(5)]
    response = api.put("/transactions", json={"transactions": rows})
    errors = fields(response)
    assert [f for f, _d in errors] == ["transactions.0", "transactions.1", "transactions"]
    assert errors[-1][1] == "… and 3 more invalid rows."


def test_customers_with_a_nul_character_are_refused_too(api):
    row = {"email": "a@example.com", "external_id": "C-\x00", "segment": "pros", "clv": "1"}
    response = api.put("/customers", json={"customers": [row]})
    assert response.status_code == 422 and fields(response) == [
        ("customers", "Row 0 has a NUL character in a value.")
    ]
