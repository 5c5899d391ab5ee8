"""Importing customers' transactions: all or nothing, idempotent, streamed; every bad input explained."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from backlog import transactions as transactions_module
from backlog.models import CustomerRecord, Transaction
from backlog.transactions import transactions_import

from ..factories import SegmentFactory

pytestmark = pytest.mark.django_db

HEADER = "external_id,date,amount,currency,reference\n"
TODAY = date(2026, 12, 4)


@pytest.fixture
def shop(db):
    pros = SegmentFactory(name="Pros", slug="pros")
    casual = SegmentFactory(name="Casual", slug="casual")
    now = timezone.now()
    ann = CustomerRecord.objects.create(
        external_id="C-1", email="ann@example.com", segment=pros, clv=10, imported_at=now
    )
    ben = CustomerRecord.objects.create(
        external_id="C-2", email="ben@example.com", segment=casual, clv=10, imported_at=now
    )
    return {"pros": pros, "casual": casual, "ann": ann, "ben": ben}


def run(text, *, encoding="utf-8", **kwargs):
    data = text.encode(encoding) if isinstance(text, str) else text
    kwargs.setdefault("imported_by", None)
    return transactions_import(lines=io.BytesIO(data), source="t.csv", today=TODAY, **kwargs)


def test_a_valid_file_imports_and_sending_it_again_changes_nothing(shop, settings):
    settings.CLV_EXCHANGE_RATES = {"USD": "0.92"}
    text = HEADER + "C-1,2026-01-05,19.90,,A1\nC-1,2026-02-05,19.90,EUR,A2\nC-2,2026-03-01,5,usd,\n"
    report = run(text)
    assert report.imported and (report.rows, report.created, report.unchanged, report.customers) == (
        3,
        3,
        0,
        2,
    )
    rows = list(Transaction.objects.values_list("customer__external_id", "occurred_on", "amount", "currency"))
    assert rows == [
        ("C-1", date(2026, 1, 5), Decimal("19.90"), ""),  # the site currency (EUR) is stored empty
        ("C-1", date(2026, 2, 5), Decimal("19.90"), ""),
        ("C-2", date(2026, 3, 1), Decimal("5.00"), "USD"),
    ]
    assert Transaction.objects.get(reference="A2").source_row == 3
    again = run(text)
    assert again.imported and (again.created, again.unchanged) == (0, 3)
    assert Transaction.objects.count() == 3
    # A longer file later: only the new row is added.
    more = run(text + "C-2,2026-03-02,7.5,USD,\n")
    assert (more.created, more.unchanged) == (1, 3) and Transaction.objects.count() == 4


def test_refunds_are_kept_as_negative_amounts(shop):
    report = run(HEADER + "C-1,2026-01-05,50,,A1\nC-1,2026-01-09,-50,,A1\n")
    assert report.imported
    assert sorted(Transaction.objects.values_list("amount", flat=True)) == [
        Decimal("-50.00"),
        Decimal("50.00"),
    ]


def test_dry_run_checks_everything_and_writes_nothing(shop):
    report = run(HEADER + "C-1,2026-01-05,19.90,,\n", dry_run=True)
    assert report.ok and not report.imported and report.created == 1
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    "row, reason",
    [
        ("C-1,2026-12-05,10,,", "date 2026-12-05 is in the future"),
        ("C-1,05/01/2026,10,,", "date “05/01/2026” is not a date written YYYY-MM-DD"),
        ("C-1,2026-02-30,10,,", "date “2026-02-30” does not exist"),
        ("C-1,2026-01-05,0,,", "amount 0 is neither a purchase nor a refund"),
        ("C-1,2026-01-05,,,", "the amount is empty"),
        ('C-1,2026-01-05,"1,000",,', "is not a number"),
        ("C-1,2026-01-05,250000000,,", "implausibly large"),
        ("C-1,2026-01-05,10,euro,", "currency “euro” is not a three-letter ISO code"),
        ("C-1,2026-01-05,10,jpy,", "currency JPY has no exchange rate configured"),
        ("C-1,2026-01-05,1e30,,", "implausibly large"),  # too large to round to cents: no crash
        ("C-9,2026-01-05,10,,", "no customer has the external id C-9"),
        (",2026-01-05,10,,", "the external id is empty"),
        ("C-1,2026-01-05,10", "expected 5 values, found 3"),
        ("C-1,2026-01-05,10,," + "x" * 101, "the reference is longer than 100 characters"),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_imported(shop, row, reason):
    report = run(HEADER + "C-2,2026-03-01,5,,\n" + row + "\n")
    assert not report.ok and not report.imported
    assert [(e.row, reason in e.reason) for e in report.errors] == [(3, True)], report.errors
    assert not Transaction.objects.exists()  # the good row 2 was not imported either


def test_duplicate_rows_name_the_first_one_even_across_batches(shop):
    rows = [f"C-1,2026-01-{day:02d},10,," for day in range(1, 8)]
    text = HEADER + "\n".join(rows + [rows[0], rows[6]]) + "\n"
    report = run(text, batch_size=3)
    assert [(e.row, e.reason) for e in report.errors] == [
        (9, "the same transaction as row 2"),
        (10, "the same transaction as row 8"),
    ]
    assert not Transaction.objects.exists()
    # The same purchase twice on one day is fine with order numbers that tell them apart.
    assert run(HEADER + "C-1,2026-01-01,10,,A1\nC-1,2026-01-01,10,,A2\n").created == 2


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty."),
        (b"\n\n", "The file is empty."),
        (HEADER.encode(), "a header but no transaction rows"),
        (b"external_id,amount\nC-1,10\n", "Missing columns: date"),
        (b"external_id,date,amount,amount\n", "Repeated columns: amount"),
        (HEADER.encode() + b'C-1,"2026-01-05,10,,\n', "not valid CSV"),
        ("external_id,date,amount\nC-1,2026-01-05,10\n".encode("utf-16-le"), "NUL characters"),
        (
            HEADER.encode() + "C-1,2026-01-05,10,,Café\n".encode("latin-1"),
            "not UTF-8 text (byte 0xe9 on line 2)",
        ),
    ],
)
def test_malformed_files(shop, data, message):
    report = run(data)
    assert not report.ok and any(message in e for e in report.file_errors), report.file_errors
    assert not Transaction.objects.exists()


def test_a_file_error_late_in_the_file_undoes_the_batches_before_it(shop):
    good = "".join(f"C-1,2026-01-{day:02d},10,,\n" for day in range(1, 20))
    report = run(HEADER.encode() + good.encode() + "C-1,2026-02-01,10,,é\n".encode("latin-1"), batch_size=5)
    assert report.file_errors and not report.imported and (report.created, report.unchanged) == (0, 0)
    assert not Transaction.objects.exists()


def test_semicolons_byte_order_mark_and_extra_columns(shop):
    text = "\ufeffExternal ID;Date;Amount;Note\nC-1;2026-01-05;10.5;gift\n"
    report = run(text)
    assert report.imported and report.ignored_columns == ["note"]


def test_many_rows_stream_in_batches(shop, django_assert_max_num_queries):
    """Rows are read and written a batch at a time: the queries grow with the batches, not the rows."""
    text = HEADER + "".join(
        f"C-{1 + i % 2},2025-{1 + i % 12:02d}-{1 + i % 28:02d},{1 + i},,R{i}\n" for i in range(3000)
    )
    with django_assert_max_num_queries(40):
        report = run(text, batch_size=1000)
    assert report.imported and report.created == 3000


def test_customer_managers_import_only_their_segments(shop, carl, adam):
    shop["pros"].managers.add(carl)
    text = HEADER + "C-1,2026-01-05,10,,\nC-2,2026-01-05,10,,\n"
    report = run(text, imported_by=carl)
    assert [(e.row, e.reason) for e in report.errors] == [(3, "customer C-2 is not in a segment you manage")]
    assert not Transaction.objects.exists()
    report = run(text, imported_by=adam)
    assert report.imported and Transaction.objects.filter(imported_by=adam).count() == 2


def test_only_the_first_errors_are_listed(shop, monkeypatch):
    monkeypatch.setattr(transactions_module, "MAX_LISTED_ERRORS", 2)
    report = run(HEADER + "C-9,2026-01-05,10,,\n" * 5)
    assert report.error_count == 5 and len(report.errors) == 2 and report.unlisted_errors == 3


def test_command(shop, tmp_path, capsys):
    path = tmp_path / "transactions.csv"
    path.write_text(HEADER + "C-1,2026-01-05,10,,\nC-1,2099-01-05,10,,\n")
    with pytest.raises(CommandError, match="1 invalid row; nothing was imported"):
        call_command("import_transactions", str(path))
    assert "Row 3: date 2099-01-05 is in the future" in capsys.readouterr().err
    path.write_text(HEADER + "C-1,2026-01-05,10,,\nC-2,2026-01-06,10,,\n")
    call_command("import_transactions", str(path), "--dry-run")
    assert "Dry run: 2 rows for 2 customers: 2 new" in capsys.readouterr().out
    assert not Transaction.objects.exists()
    call_command("import_transactions", str(path))
    assert "Imported 2 rows for 2 customers: 2 new, 0 imported before." in capsys.readouterr().out
    call_command("import_transactions", str(path))
    assert "0 new, 2 imported before" in capsys.readouterr().out
    assert Transaction.objects.count() == 2
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_transactions", str(path))
    assert "The file is empty." in capsys.readouterr().err
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_transactions", str(tmp_path / "missing.csv"))


def test_upload_page(client, shop, carl):
    shop["pros"].managers.add(carl)
    client.force_login(carl)
    url = "/customers/transactions/import/"
    assert "Import transactions" in client.get(url).content.decode()
    bad = HEADER + "C-1,2026-01-05,10,,\nC-2,2026-01-05,10,,\n"
    response = client.post(url, {"file": SimpleUploadedFile("t.csv", bad.encode())})
    assert response.status_code == 400
    assert "customer C-2 is not in a segment you manage" in response.content.decode()
    good = HEADER + "C-1,2026-01-05,10,,\r\nC-1,2026-01-06,-4,,\r\n"
    response = client.post(url, {"file": SimpleUploadedFile("t.csv", good.encode()), "check_only": "on"})
    assert response.status_code == 200 and "Nothing was imported" in response.content.decode()
    assert not Transaction.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("t.csv", good.encode())})
    assert response.status_code == 200 and "new transactions: 2" in response.content.decode()
    assert Transaction.objects.count() == 2
    latin = SimpleUploadedFile("t.csv", (HEADER + "C-1,2026-01-05,10,,é\n").encode("latin-1"))
    response = client.post(url, {"file": latin})
    assert response.status_code == 400 and "not UTF-8 text" in response.content.decode()


def test_customers_do_not_get_the_upload_page(client, alice):
    client.force_login(alice)
    assert client.get("/customers/transactions/import/").status_code == 403


def test_other_currencies_need_a_rate_and_count_converted(shop, settings):
    """A currency with a configured rate is imported as sent and converted where amounts are added up
    (backlog.exchange.site_amount, one expression used by the fits, outcomes and the overview)."""
    from backlog.exchange import site_amount, to_site_currency

    settings.CLV_EXCHANGE_RATES = {"USD": "0.92", "EUR": 1, "gbp": Decimal("1.17")}
    report = run(HEADER + "C-1,2026-01-05,100,USD,\nC-1,2026-01-06,10,GBP,\nC-1,2026-01-07,5,,\n")
    assert report.imported, report.errors
    converted = dict(Transaction.objects.annotate(site=site_amount()).values_list("currency", "site"))
    assert {code: Decimal(value).quantize(Decimal("0.01")) for code, value in converted.items()} == {
        "USD": Decimal("92.00"),
        "GBP": Decimal("11.70"),
        "": Decimal("5.00"),
    }
    for transaction in Transaction.objects.all():  # the database expression and the Python rule agree
        assert to_site_currency(transaction.amount, transaction.currency) == Decimal(
            converted[transaction.currency]
        ).quantize(Decimal("0.0001"))
    # A rate removed later: the stored transactions stay, left out of sums (NULL), and the import refuses.
    settings.CLV_EXCHANGE_RATES = {}
    assert Transaction.objects.annotate(site=site_amount()).filter(site__isnull=True).count() == 2
    again = run(HEADER + "C-1,2026-01-08,100,USD,\n")
    assert [e.reason for e in again.errors] == ["currency USD has no exchange rate configured"]


@pytest.mark.parametrize("rates", [{"USD": "0"}, {"USD": "-1"}, {"DOLLAR": "1"}, {"USD": "x"}, {"EUR": "2"}])
def test_bad_exchange_rates_fail_loudly(settings, rates):
    from django.core.exceptions import ImproperlyConfigured

    from backlog.exchange import exchange_rates

    settings.CLV_EXCHANGE_RATES = rates
    with pytest.raises(ImproperlyConfigured):
        exchange_rates()


def test_exchange_rates_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from cocreate.settings.env import env_rates

    monkeypatch.setenv("RATES", "usd=0.92, GBP=1.17")
    assert env_rates("RATES") == {"USD": Decimal("0.92"), "GBP": Decimal("1.17")}
    for bad in ("USD", "USD=abc", "USD=0", "US=1", "USD=NaN"):
        monkeypatch.setenv("RATES", bad)
        with pytest.raises(ImproperlyConfigured):
            env_rates("RATES")


def test_rows_given_as_values_take_the_same_checks(shop):
    """The API's path: mappings instead of CSV lines, numbered from `first_row`."""
    rows = [
        {"external_id": "C-1", "date": "2026-01-05", "amount": Decimal("19.9"), "currency": None},
        {"external_id": "C-1", "date": "2026-12-05", "amount": "10"},
    ]
    report = transactions_import(values=rows, first_row=0, imported_by=None, today=TODAY)
    assert [(e.row, e.reason) for e in report.errors] == [(1, "date 2026-12-05 is in the future")]
    assert not Transaction.objects.exists()
    report = transactions_import(values=rows[:1], first_row=0, imported_by=None, today=TODAY)
    assert report.imported and Transaction.objects.get().amount == Decimal("19.90")
    empty = transactions_import(values=[], imported_by=None, today=TODAY)
    assert empty.file_errors == ["No transaction rows were given."]
