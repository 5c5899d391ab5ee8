"""What the CRM import (backlog.crm) and the transactions import (backlog.transactions) share: reading
CSV bytes as text, splitting it into numbered rows, checking the header, parsing numbers, and the report
of row errors that the pages, the management commands and the API show.

Rows are numbered as a spreadsheet shows them (the header is row 1); rows given as JSON (the API) are
numbered by their index in the request.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# Amounts above this are a unit mistake (cents for euros, a total for a per-period margin).
ABSURD_AMOUNT = Decimal("100000000")


class ImportFileError(ValueError):
    """The file as a whole cannot be read: encoding, CSV syntax, columns."""


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


@dataclass
class ImportReport:
    """What an import found: errors of the whole input (`file_errors`) and of single rows (`errors`, the
    first `max_listed` of them; `error_count` counts them all). Subclasses add what was read and written."""

    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    imported: bool = False
    max_listed: int | None = None

    @property
    def unlisted_errors(self) -> int:
        return self.error_count - len(self.errors)

    def add_error(self, row: int, reason: str) -> None:
        self.error_count += 1
        if self.max_listed is None or len(self.errors) < self.max_listed:
            self.errors.append(RowError(row, reason))


def decode_csv(data: bytes, *, max_bytes: int) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else a clear refusal."""
    if len(data) > max_bytes:
        raise ImportFileError(_("The file is larger than %(mb)d MB.") % {"mb": max_bytes // 1024 // 1024})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _not_utf8(data[error.start], line) from error


def decode_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """The lines of a UTF-8 file read as bytes (a file opened "rb", an upload), decoded one at a time so
    that a file of any size is read in bounded memory. A byte-order mark is dropped; a line that is not
    UTF-8 raises ImportFileError naming the byte and the line, as `decode_csv` does."""
    for number, raw in enumerate(lines, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise _not_utf8(raw[error.start], number) from error


def _not_utf8(byte: int, line: int) -> ImportFileError:
    return ImportFileError(
        _(
            "The file is not UTF-8 text (byte 0x%(byte)02x on line %(line)d). Save it from your "
            "spreadsheet as “CSV UTF-8” and try again."
        )
        % {"byte": byte, "line": line}
    )


def normalise_header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def csv_records(lines: Iterable[str]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The normalised header and, lazily, the (row number, values) of each non-blank row of CSV text
    given as lines. Comma or semicolon separated (whichever the header has more of); rows are numbered
    as a spreadsheet shows them (header = 1). Raises ImportFileError for an empty file, NUL characters or
    broken CSV — the last two possibly while the rows are read."""
    lines = iter(lines)
    for first in lines:
        if first.strip():
            break
    else:
        raise ImportFileError(_("The file is empty."))

    def checked():
        yield first
        yield from lines

    def without_nul(stream):
        for line in stream:
            if "\0" in line:
                raise ImportFileError(
                    _(
                        "The file is not valid CSV text: it contains NUL characters (a UTF-16 or "
                        "spreadsheet file?). Save it as “CSV UTF-8”."
                    )
                )
            yield line

    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(without_nul(checked()), delimiter=delimiter, strict=True)

    def invalid(error):
        return ImportFileError(
            _("The file is not valid CSV (near line %(line)d: %(error)s).")
            % {"line": reader.line_num, "error": error}
        )

    try:
        header = next(reader)
    except csv.Error as error:
        raise invalid(error) from error

    def records():
        try:
            for number, record in enumerate(reader, start=2):
                if any(value.strip() for value in record):  # blank lines, as spreadsheets leave at the end
                    yield number, record
        except csv.Error as error:
            raise invalid(error) from error

    return [normalise_header(h) for h in header], records()


def value_records(
    values: list[dict], columns: list[str], *, first_row: int
) -> Iterator[tuple[int, list[str]]]:
    """Rows given as mappings (the API's JSON objects) as the (row number, values) of `csv_records` with
    `columns` as the header: a missing or null value is empty text, so both take the same checks. Raises
    ImportFileError, as `csv_records` does, for a NUL character."""
    for index, row in enumerate(values):
        record = ["" if row.get(c) is None else str(row[c]) for c in columns]
        if any("\0" in value for value in record):
            # A file with one is refused by csv_records; PostgreSQL cannot store or compare them either.
            raise ImportFileError(
                _("Row %(row)d has a NUL character in a value.") % {"row": first_row + index}
            )
        yield first_row + index, record


def header_problems(header: list[str], *, required: list[str], optional: list[str] = ()) -> list[str]:
    """The file errors of a header: missing required columns, columns given twice."""
    problems = []
    missing = [c for c in required if c not in header]
    known = [*required, *optional]
    duplicated = sorted({h for h in header if header.count(h) > 1 and h in known})
    if missing:
        if optional:
            problems.append(
                _("Missing columns: %(missing)s. Expected: %(expected)s (and optionally %(optional)s).")
                % {
                    "missing": ", ".join(missing),
                    "expected": ", ".join(required),
                    "optional": ", ".join(optional),
                }
            )
        else:
            problems.append(
                _("Missing columns: %(missing)s. Expected: %(expected)s.")
                % {"missing": ", ".join(missing), "expected": ", ".join(required)}
            )
    if duplicated:
        problems.append(_("Repeated columns: %(cols)s.") % {"cols": ", ".join(duplicated)})
    return problems


def wrong_width(header: list[str], record: list[str]) -> str | None:
    """The row error of a row with more or fewer values than the header has columns, else None."""
    if len(record) == len(header):
        return None
    return _("expected %(expected)d values, found %(found)d") % {
        "expected": len(header),
        "found": len(record),
    }


def parse_number(raw: str, label: str, *, places: str) -> Decimal | None:
    """A decimal written with a dot and no thousands separators, rounded to `places`; None when empty.
    Raises ValueError with a message naming `label` and what was written."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(
            _("%(label)s “%(raw)s” is not a number (use a dot for decimals, no thousands separators)")
            % {"label": label, "raw": raw}
        ) from None
    if not value.is_finite():
        raise ValueError(_("%(label)s “%(raw)s” is not a number") % {"label": label, "raw": raw})
    if value.adjusted() >= 20:
        # Rounding 1E+30 to cents needs more digits than the decimal context has (InvalidOperation);
        # every caller refuses values this large with its own bound.
        return value
    return value.quantize(Decimal(places))
