"""Importing customers' value from a CRM export (CSV): validate every row, then all or nothing.

A row whose email belongs to no member is imported as a customer without an account; it is linked to the
member who later signs up with that email (backlog.transactions.customer_records_link).

Columns (header names are case-insensitive; "external id" and "external_id" are the same):
email, external_id, segment, margin, retention, clv. The segment is named by slug or name; give either the
CLV or a margin per period and a retention rate, from which the CLV is computed with the segment's discount
rate (community.models.segment_clv). Rows are numbered as a spreadsheet shows them: the header is row 1.

Used by `manage.py import_customers` and the upload page for customer managers; a customer manager may
import rows only for the segments they manage (administrators and the command line: any).
"""

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions
from community.models import Member, Segment, SegmentMembership, segment_clv

from . import imports
from .imports import ABSURD_AMOUNT, ImportReport, csv_records, header_problems, parse_number, wrong_width
from .models import CustomerRecord

COLUMNS = ["email", "external_id", "segment", "margin", "retention", "clv"]
MAX_ROWS = 100_000
MAX_BYTES = 10 * 1024 * 1024
# The file-level error of the CRM import (the name it had before the transactions import shared it).
CRMFileError = imports.ImportFileError


@dataclass(frozen=True)
class CustomerRow:
    row: int
    member: Member | None  # None: a customer without an account (yet)
    email: str
    external_id: str
    segment: Segment
    margin: Decimal | None
    retention: Decimal | None
    clv: Decimal


@dataclass
class CustomerImportReport(ImportReport):
    rows: list[CustomerRow] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.error_count and not self.file_errors and bool(self.rows)


def decode_csv(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark) and at most MAX_BYTES, else CRMFileError."""
    return imports.decode_csv(data, max_bytes=MAX_BYTES)


def _amount(raw: str, label: str) -> Decimal | None:
    value = parse_number(raw, label, places="0.01")
    if value is None:
        return None
    if value < 0:
        raise ValueError(
            _("%(label)s must not be negative (got %(value)s)") % {"label": label, "value": value}
        )
    if value > ABSURD_AMOUNT:
        raise ValueError(
            _("%(label)s %(value)s is implausibly large (over %(max)s)")
            % {"label": label, "value": value, "max": ABSURD_AMOUNT}
        )
    return value


def _retention(raw: str) -> Decimal | None:
    value = parse_number(raw, _("retention"), places="0.0001")
    if value is None:
        return None
    if value < 0:
        raise ValueError(_("retention must not be negative (got %(value)s)") % {"value": value})
    if value >= 1:
        hint = _(" — a share, e.g. 0.85 for 85 %") if value > 1 else ""
        raise ValueError(
            _(
                "retention must be below 1 (got %(value)s%(hint)s): "
                "kept forever, a customer's value is infinite"
            )
            % {"value": raw.strip(), "hint": hint}
        )
    return value


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _segments_by_key() -> dict[str, Segment]:
    keys = {}
    for segment in Segment.objects.all():
        keys[segment.slug.lower()] = segment
        keys[segment.name.strip().lower()] = segment
    return keys


def _read_records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header, rows = csv_records(io.StringIO(text, newline=""))
    records = []
    for record in rows:
        records.append(record)
        if len(records) > MAX_ROWS:
            raise CRMFileError(_("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS})
    return header, records


def customers_validate(
    text: str,
    *,
    imported_by: Member | None,
    progress: Callable[[Iterable, int], Iterable] = lambda rows, total: rows,
) -> CustomerImportReport:
    """Check every row of a CRM export without writing anything; the report lists each bad row and why."""
    report = CustomerImportReport()
    try:
        header, records = _read_records(text)
    except CRMFileError as error:
        report.file_errors.append(str(error))
        return report
    report.file_errors = header_problems(header, required=COLUMNS)
    if report.file_errors:
        return report
    report.ignored_columns = [h for h in header if h not in COLUMNS]
    if not records:
        report.file_errors.append(_("The file has a header but no customer rows."))
        return report
    where = {column: header.index(column) for column in COLUMNS}
    values = []
    for number, record in records:
        if problem := wrong_width(header, record):
            report.add_error(number, problem)
        else:
            values.append((number, {column: record[where[column]] for column in COLUMNS}))
    return _validate_values(values, report=report, imported_by=imported_by, progress=progress)


def customers_validate_values(
    values: list[dict],
    *,
    imported_by: Member | None,
    first_row: int = 1,
    progress: Callable[[Iterable, int], Iterable] = lambda rows, total: rows,
) -> CustomerImportReport:
    """Check rows given as mappings of COLUMNS to text (the API's JSON rows), by the same rules as a CSV
    export's rows; they are numbered from `first_row` in the report."""
    report = CustomerImportReport()
    if not values:
        report.file_errors.append(_("No customer rows were given."))
        return report
    if len(values) > MAX_ROWS:
        report.file_errors.append(_("More than %(max)d rows; send them in parts.") % {"max": MAX_ROWS})
        return report
    try:
        numbered = [
            (number, dict(zip(COLUMNS, record, strict=True)))
            for number, record in imports.value_records(values, COLUMNS, first_row=first_row)
        ]
    except CRMFileError as error:
        report.file_errors.append(str(error))
        return report
    return _validate_values(numbered, report=report, imported_by=imported_by, progress=progress)


def _validate_values(values, *, report: CustomerImportReport, imported_by, progress) -> CustomerImportReport:
    """The rules of a customer row, each row a (number, {column: text}); appends to `report`."""
    values = [(number, {column: text.strip() for column, text in value.items()}) for number, value in values]
    segments = _segments_by_key()
    managed = None
    if imported_by is not None and not permissions.manages_every_segment(imported_by):
        managed = set(imported_by.managed_segments.values_list("pk", flat=True))
    emails = {value["email"].lower() for _n, value in values}
    members = {
        m.email_lower: m
        for m in Member.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=emails, is_active=True, deleted_at__isnull=True
        )
    }
    taken_ids = dict(
        CustomerRecord.objects.filter(
            external_id__in=[value["external_id"] for _n, value in values]
        ).values_list("external_id", "member_id")
    )
    # The external id of each listed member's record, to refuse linking a member to a second record.
    records_of_members = dict(
        CustomerRecord.objects.filter(member__in=members.values()).values_list("member_id", "external_id")
    )
    seen_emails: dict[str, int] = {}
    seen_ids: dict[str, int] = {}

    for number, value in progress(values, len(values)):
        problems = []
        email = value["email"].lower()
        member = members.get(email)
        if not email:
            problems.append(_("the email is empty"))
        elif email in seen_emails:
            problems.append(
                _("email %(email)s is already on row %(row)d") % {"email": email, "row": seen_emails[email]}
            )
        elif not _is_email(email):
            problems.append(_("“%(email)s” is not an email address") % {"email": value["email"]})
        seen_emails.setdefault(email, number)
        external_id = value["external_id"]
        if not external_id:
            problems.append(_("the external id is empty"))
        elif len(external_id) > 100:
            problems.append(_("the external id is longer than 100 characters"))
        elif external_id in seen_ids:
            problems.append(
                _("external id %(id)s is already on row %(row)d")
                % {"id": external_id, "row": seen_ids[external_id]}
            )
        elif taken_ids.get(external_id) is not None and taken_ids[external_id] != getattr(member, "pk", None):
            problems.append(_("external id %(id)s belongs to another member") % {"id": external_id})
        elif (
            member is not None
            and external_id in taken_ids
            and records_of_members.get(member.pk, external_id) != external_id
        ):
            problems.append(
                _("%(email)s already has the customer record %(other)s")
                % {"email": email, "other": records_of_members[member.pk]}
            )
        seen_ids.setdefault(external_id, number)
        segment = segments.get(value["segment"].lower())
        if segment is None:
            problems.append(_("unknown segment “%(segment)s”") % {"segment": value["segment"]})
        elif managed is not None and segment.pk not in managed:
            problems.append(_("you do not manage the segment “%(segment)s”") % {"segment": segment.name})
        numbers = {}
        for column, parse in (
            ("margin", lambda raw: _amount(raw, _("margin"))),
            ("retention", _retention),
            ("clv", lambda raw: _amount(raw, _("CLV"))),
        ):
            try:
                numbers[column] = parse(value[column])
            except ValueError as error:
                problems.append(str(error))
        margin, retention, clv = numbers.get("margin"), numbers.get("retention"), numbers.get("clv")
        if len(numbers) == 3 and clv is None:
            if margin is None or retention is None:
                problems.append(_("give a CLV, or a margin and a retention rate"))
            elif segment is not None:
                clv = segment_clv(margin=margin, retention=retention, discount=segment.discount_rate)
        if problems:
            report.add_error(number, "; ".join(problems))
            continue
        report.rows.append(
            CustomerRow(
                row=number,
                member=member,
                email=email,
                external_id=external_id,
                segment=segment,
                margin=margin,
                retention=retention,
                clv=clv,
            )
        )
    report.errors.sort(key=lambda error: error.row)
    return report


def customers_import(
    *,
    text: str | None = None,
    values: list[dict] | None = None,
    first_row: int = 1,
    imported_by: Member | None,
    source: str = "",
    dry_run: bool = False,
    progress: Callable[[Iterable, int], Iterable] = lambda rows, total: rows,
) -> CustomerImportReport:
    """Validate a CRM export (`text`, CSV) or rows of its columns (`values`, the API's), and, if every row
    is valid and this is no dry run, import it all at once.

    All or nothing: one bad row and nothing is written. Each row creates or replaces the customer's
    `CustomerRecord` (found by external id, else by the member's email) and, when the email is a member's,
    links the record to them and puts them in the row's segment (as an imported membership; an earlier
    imported membership in another segment is removed). A row for nobody's email is a customer without
    an account.
    """
    if values is None:
        report = customers_validate(text, imported_by=imported_by, progress=progress)
    else:
        report = customers_validate_values(
            values, imported_by=imported_by, first_row=first_row, progress=progress
        )
    if not report.ok or dry_run:
        return report
    now = timezone.now()
    with transaction.atomic():
        by_external_id = {
            r.external_id: r
            for r in CustomerRecord.objects.select_for_update().filter(
                external_id__in=[row.external_id for row in report.rows]
            )
        }
        by_member = {
            r.member_id: r
            for r in CustomerRecord.objects.select_for_update().filter(
                member__in=[row.member for row in report.rows if row.member is not None]
            )
        }
        for row in report.rows:
            record = by_external_id.get(row.external_id)
            if record is None and row.member is not None:
                record = by_member.get(row.member.pk)  # the CRM gave the member a new external id
            created = record is None
            if created:
                record = CustomerRecord(external_id=row.external_id)
            elif (
                row.member is not None
                and record.segment_id
                and record.segment_id != row.segment.pk
                and record.member_id == row.member.pk
            ):
                SegmentMembership.objects.filter(
                    member=row.member, segment_id=record.segment_id, source=SegmentMembership.Source.IMPORT
                ).delete()
            record.external_id = row.external_id
            record.email = row.email
            if row.member is not None:
                record.member = row.member
            record.segment = row.segment
            record.margin_per_period = row.margin
            record.retention_rate = row.retention
            record.clv = row.clv
            record.source = source[:200]
            record.imported_at = now
            record.imported_by = imported_by
            record.save()
            if row.member is not None:
                SegmentMembership.objects.get_or_create(
                    member=row.member,
                    segment=row.segment,
                    defaults={"source": SegmentMembership.Source.IMPORT},
                )
            if created:
                report.created += 1
            else:
                report.updated += 1
    report.imported = True
    return report
