"""Importing customers' transactions (CSV or the API's rows) and linking CRM customers to the members who
sign up: by a verified email, or by an invitation link a customer manager sends (a signed external id).

Columns (header names are case-insensitive, as in the CRM import): external_id, date, amount, and
optionally currency and reference. `external_id` names an imported CRM customer (backlog.crm); `date` is
ISO (YYYY-MM-DD) and not in the future; `amount` is in the currency's units with a dot for decimals,
positive for a purchase and negative for a refund (kept as sent; the fits net it against the purchase it
refunds, see docs/clv.md), never 0; `currency` is an ISO 4217 code, empty for the site currency
(COCREATE_CURRENCY); `reference` is the order or invoice number, which tells apart two identical
purchases on one day.

- All or nothing: every row is checked, and one bad row leaves the database as it was. The rows are
  streamed and written in batches inside one database transaction that is rolled back on any error (and
  always on a dry run), so a file of a million rows needs memory for one batch plus the customers seen.
- Idempotent: a row identical to one already imported (same customer, date, amount, currency and
  reference: the model's unique constraint) is counted as unchanged, so sending a file again adds
  nothing. A row repeated within the same file is an error naming the first one.
- A customer manager may import rows only for customers of the segments they manage.
"""

import itertools
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions
from community.models import Member, SegmentMembership

from .exchange import CURRENCY, exchange_rates
from .imports import (
    ABSURD_AMOUNT,
    ImportFileError,
    ImportReport,
    csv_records,
    decode_lines,
    header_problems,
    parse_number,
    value_records,
    wrong_width,
)
from .models import CustomerRecord, Transaction

REQUIRED_COLUMNS = ["external_id", "date", "amount"]
OPTIONAL_COLUMNS = ["currency", "reference"]
BATCH_SIZE = 2000
# The report lists this many bad rows; the others are counted.
MAX_LISTED_ERRORS = 200
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class TransactionReport(ImportReport):
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    customers: int = 0
    batch: uuid.UUID | None = None

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.file_errors and self.rows > 0


@dataclass(frozen=True)
class _Row:
    number: int
    customer_id: int
    occurred_on: date
    amount: Decimal
    currency: str
    reference: str

    @property
    def key(self):
        return (self.customer_id, self.occurred_on, self.amount, self.currency, self.reference)


class _Customers:
    """External id → (pk, segment id) of the customers seen so far: one query per batch for new ids."""

    def __init__(self):
        self.known: dict[str, tuple[int, int | None]] = {}

    def load(self, external_ids: set[str]) -> None:
        missing = [i for i in external_ids if i and i not in self.known]
        for start in range(0, len(missing), 900):
            for external_id, pk, segment_id in CustomerRecord.objects.filter(
                external_id__in=missing[start : start + 900]
            ).values_list("external_id", "pk", "segment_id"):
                self.known[external_id] = (pk, segment_id)


def _parse_date(raw: str, today: date) -> date:
    if not ISO_DATE.match(raw):
        raise ValueError(_("date “%(raw)s” is not a date written YYYY-MM-DD") % {"raw": raw})
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(_("date “%(raw)s” does not exist") % {"raw": raw}) from None
    if value > today:
        raise ValueError(_("date %(date)s is in the future") % {"date": raw})
    return value


def _parse_amount(raw: str) -> Decimal:
    value = parse_number(raw, _("amount"), places="0.01")
    if value is None:
        raise ValueError(_("the amount is empty"))
    if value == 0:
        raise ValueError(_("amount 0 is neither a purchase nor a refund"))
    if abs(value) > ABSURD_AMOUNT:
        raise ValueError(
            _("amount %(value)s is implausibly large (over %(max)s)") % {"value": value, "max": ABSURD_AMOUNT}
        )
    return value


def _parse_currency(raw: str, rates: dict[str, Decimal]) -> str:
    code = raw.strip().upper()
    if not code or code == settings.COCREATE_CURRENCY:
        return ""  # the site currency is stored empty, so "EUR" and "" are the same row
    if not CURRENCY.match(code):
        raise ValueError(_("currency “%(raw)s” is not a three-letter ISO code such as EUR") % {"raw": raw})
    if code not in rates:
        raise ValueError(_("currency %(code)s has no exchange rate configured") % {"code": code})
    return code


def transactions_import(
    *,
    lines: Iterable[bytes] | None = None,
    values: list[dict] | None = None,
    first_row: int = 1,
    imported_by: Member | None,
    source: str = "",
    dry_run: bool = False,
    on_rows: Callable[[int], None] = lambda count: None,
    batch_size: int = BATCH_SIZE,
    today: date | None = None,
) -> TransactionReport:
    """Check a transactions file given as its lines of bytes (an open binary file, an upload), or rows
    given as mappings of the columns to values (`values`, the API's, numbered from `first_row`), and, when
    every row is valid and this is no dry run, import the new rows.

    `on_rows(n)` is called after each batch with the number of rows it held (a progress bar). Runs in
    one database transaction: a concurrent import of overlapping rows makes one of the two fail with a
    file error (retry it: its rows are then unchanged), never a half import.
    """
    report = TransactionReport(batch=uuid.uuid4(), max_listed=MAX_LISTED_ERRORS)
    today = today or timezone.localdate()
    columns = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    try:
        if values is None:
            header, records = csv_records(decode_lines(lines))
        else:
            header, records = columns, value_records(values, columns, first_row=first_row)
        report.file_errors = header_problems(header, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
        if report.file_errors:
            return report
        report.ignored_columns = [h for h in header if h not in columns]
        managed = None
        if imported_by is not None and not permissions.manages_every_segment(imported_by):
            managed = set(imported_by.managed_segments.values_list("pk", flat=True))
        with transaction.atomic():
            customers = _Customers()
            seen_customers: set[int] = set()
            now = timezone.now()
            rates = exchange_rates()
            batches = iter(lambda: list(itertools.islice(records, batch_size)), [])
            for batch in batches:
                _import_batch(
                    batch,
                    header=header,
                    report=report,
                    customers=customers,
                    seen_customers=seen_customers,
                    managed=managed,
                    rates=rates,
                    today=today,
                    now=now,
                    imported_by=imported_by,
                    source=source[:200],
                )
                on_rows(len(batch))
            report.customers = len(seen_customers)
            if not report.rows and not report.error_count:
                report.file_errors.append(
                    _("The file has a header but no transaction rows.")
                    if values is None
                    else _("No transaction rows were given.")
                )
            if not report.ok or dry_run:
                transaction.set_rollback(True)
    except ImportFileError as error:
        report.file_errors.append(str(error))
    except IntegrityError:
        # Only a concurrent import of the same rows gets here: ours were checked against the table.
        report.file_errors.append(
            _("Another import of some of these rows finished first; nothing was imported. Try again.")
        )
    if report.file_errors:
        report.created = report.unchanged = 0
        return report
    report.imported = report.ok and not dry_run
    return report


def _import_batch(
    batch, *, header, report, customers, seen_customers, managed, rates, today, now, imported_by, source
):
    where = {c: header.index(c) for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if c in header}
    customers.load(
        {record[where["external_id"]].strip() for _n, record in batch if len(record) == len(header)}
    )
    rows: list[_Row] = []
    for number, record in batch:
        report.rows += 1
        if problem := wrong_width(header, record):
            report.add_error(number, problem)
            continue
        value = {column: record[index].strip() for column, index in where.items()}
        problems = []
        external_id = value["external_id"]
        customer = customers.known.get(external_id)
        if not external_id:
            problems.append(_("the external id is empty"))
        elif customer is None:
            problems.append(
                _("no customer has the external id %(id)s (import the customer from the CRM first)")
                % {"id": external_id}
            )
        elif managed is not None and customer[1] not in managed:
            problems.append(_("customer %(id)s is not in a segment you manage") % {"id": external_id})
        parsed = {}
        for column, parse in (
            ("date", lambda raw: _parse_date(raw, today)),
            ("amount", _parse_amount),
            ("currency", lambda raw: _parse_currency(raw, rates)),
        ):
            try:
                parsed[column] = parse(value.get(column, ""))
            except ValueError as error:
                problems.append(str(error))
        reference = value.get("reference", "")
        if len(reference) > 100:
            problems.append(_("the reference is longer than 100 characters"))
        if problems:
            report.add_error(number, "; ".join(problems))
            continue
        rows.append(
            _Row(
                number=number,
                customer_id=customer[0],
                occurred_on=parsed["date"],
                amount=parsed["amount"],
                currency=parsed["currency"],
                reference=reference,
            )
        )
    if not rows:
        return
    # Rows already in the table: imported before (unchanged), or earlier in this file (a duplicate).
    existing = {}
    customer_ids = sorted({r.customer_id for r in rows})
    dates = sorted({r.occurred_on for r in rows})
    for start in range(0, len(customer_ids), 900):
        for row in Transaction.objects.filter(
            customer_id__in=customer_ids[start : start + 900],
            occurred_on__gte=dates[0],
            occurred_on__lte=dates[-1],
        ).values_list("customer_id", "occurred_on", "amount", "currency", "reference", "batch", "source_row"):
            existing[row[:5]] = row[5:]
    new, in_batch = [], {}
    for row in rows:
        seen_customers.add(row.customer_id)
        earlier = in_batch.get(row.key)
        if earlier is None and row.key in existing:
            batch_id, source_row = existing[row.key]
            if batch_id == report.batch:
                earlier = source_row
            else:
                report.unchanged += 1
                continue
        if earlier is not None:
            report.add_error(row.number, _("the same transaction as row %(row)d") % {"row": earlier})
            continue
        in_batch[row.key] = row.number
        new.append(
            Transaction(
                customer_id=row.customer_id,
                occurred_on=row.occurred_on,
                amount=row.amount,
                currency=row.currency,
                reference=row.reference,
                batch=report.batch,
                source=source,
                source_row=row.number,
                imported_at=now,
                imported_by=imported_by,
            )
        )
    Transaction.objects.bulk_create(new, batch_size=500)
    report.created += len(new)


def customer_records_link(*, member: Member, email: str) -> list[CustomerRecord]:
    """Link the CRM customers without an account whose email is `email` (verified by `member`) to the
    member, and put the member in their segments as imported memberships.

    Called when a member verifies an email address (community's `email_confirmed` receiver hook, see
    backlog.apps). A member has at most one record: if they have one already, or several unlinked
    records share the address, nothing is linked (a customer manager settles it in the CRM import).
    """
    email = email.strip()
    if not email:
        return []
    with transaction.atomic():
        candidates = list(
            CustomerRecord.objects.select_for_update().filter(member__isnull=True, email__iexact=email)[:2]
        )
        if len(candidates) != 1 or not _link(candidates[0], member):
            return []
    return candidates


def _link(record: CustomerRecord, member: Member) -> bool:
    """Link a locked, unlinked record to `member` unless they have one; the caller holds the transaction."""
    if record.member_id is not None or CustomerRecord.objects.filter(member=member).exists():
        return False
    record.member = member
    record.save(update_fields=["member"])
    if record.segment_id:
        SegmentMembership.objects.get_or_create(
            member=member,
            segment_id=record.segment_id,
            defaults={"source": SegmentMembership.Source.IMPORT},
        )
    return True


# Linking by external id: an invitation link that a customer manager sends to a customer without an
# account. The link carries the record's id and external id, signed with the site's SECRET_KEY (salted
# for this use only), so nobody can claim a record by typing an id: only the holder of the link can.
INVITATION_SALT = "backlog.customer-invitation"
# Where the token waits in the visitor's session between opening the link and signing up (the
# user_signed_up receiver in backlog.receivers links the record then).
INVITATION_SESSION_KEY = "backlog_customer_invitation"


def customer_invitation_record(*, external_id: str, invited_by: Member) -> CustomerRecord | None:
    """The record a customer manager may invite to link with an account: unlinked, with this external id,
    in a segment they manage (administrators: any). None otherwise, whichever the reason."""
    record = CustomerRecord.objects.filter(external_id=external_id.strip()[:100], member__isnull=True).first()
    if record is None or not permissions.may_import_customers(invited_by):
        return None
    if not permissions.manages_every_segment(invited_by) and not (
        record.segment_id and invited_by.managed_segments.filter(pk=record.segment_id).exists()
    ):
        return None
    return record


def customer_invitation_token(record: CustomerRecord) -> str:
    """The signed token of an invitation link for `record` (URL-safe)."""
    return signing.dumps({"r": record.pk, "x": record.external_id}, salt=INVITATION_SALT)


def customer_invitation_check(token: str) -> CustomerRecord | None:
    """The unlinked record a token invites to link, or None: a bad or expired signature, another
    signed value of the site, a record since linked, deleted or given another external id."""
    try:
        data = signing.loads(
            token, salt=INVITATION_SALT, max_age=timedelta(days=settings.CLV_INVITATION_DAYS)
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("x"), str):
        return None
    return CustomerRecord.objects.filter(pk=data["r"], external_id=data["x"], member__isnull=True).first()


def customer_record_link_invited(*, member: Member, token: str) -> CustomerRecord | None:
    """Link the record an invitation token names to `member` (signing up with the link, or signed in
    when they open it). Nothing is linked when the token is not valid, the record is linked already, or
    the member has a record."""
    record = customer_invitation_check(token)
    if record is None:
        return None
    with transaction.atomic():
        record = (
            CustomerRecord.objects.select_for_update()
            .filter(pk=record.pk, external_id=record.external_id)
            .first()
        )
        if record is None or not _link(record, member):
            return None
    return record
