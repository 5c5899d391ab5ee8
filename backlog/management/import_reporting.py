"""What the import commands (import_customers, import_transactions) share: the progress bar and how a
report is written out (ignored columns, file and row errors, and the refusal that ends the command)."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backlog.imports import ImportReport


def progress_bar(*, verbosity: int, desc: str, total: int | None = None, rows=None) -> tqdm:
    """A tqdm bar on stderr (stdout keeps the summary), hidden at verbosity 0."""
    return tqdm(rows, total=total, desc=desc, unit="row", file=sys.stderr, disable=verbosity < 1)


def refuse_unless_ok(command: BaseCommand, report: ImportReport) -> None:
    """Write the report's ignored columns and errors to stderr; raise CommandError if it has errors."""
    for column in report.ignored_columns:
        command.stderr.write(f"Ignored column: {column}")
    if not report.file_errors and not report.error_count:
        return
    for message in report.file_errors:
        command.stderr.write(message)
    for error in report.errors:
        command.stderr.write(f"Row {error.row}: {error.reason}")
    if report.unlisted_errors:
        command.stderr.write(f"… and {report.unlisted_errors} more invalid rows.")
    count = report.error_count
    raise CommandError(
        f"{count} invalid row{'s' if count != 1 else ''}; nothing was imported."
        if count and not report.file_errors
        else "Nothing was imported."
    )
