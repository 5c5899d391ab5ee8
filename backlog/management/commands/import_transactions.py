"""manage.py import_transactions FILE.csv [--dry-run]: customers' purchases and refunds, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backlog.management.import_reporting import progress_bar, refuse_unless_ok
from backlog.transactions import transactions_import


class Command(BaseCommand):
    help = (
        "Import customers' transactions (CSV, UTF-8; columns external_id, date, amount and optionally "
        "currency, reference). Every row is checked; one bad row and nothing is imported. Rows imported "
        "before are left as they are, so the same file may be sent again."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--dry-run", action="store_true", help="check the file, import nothing")

    def handle(self, *args, file, dry_run, verbosity, **options):
        path = Path(file)
        try:
            with path.open("rb") as counting:
                total = max(sum(1 for _line in counting) - 1, 0)
            with (
                path.open("rb") as lines,
                progress_bar(total=total, desc="Rows", verbosity=verbosity) as bar,
            ):
                report = transactions_import(
                    lines=lines, imported_by=None, source=path.name, dry_run=dry_run, on_rows=bar.update
                )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        refuse_unless_ok(self, report)
        summary = (
            f"{report.rows} rows for {report.customers} customers: "
            f"{report.created} new, {report.unchanged} imported before"
        )
        if dry_run:
            self.stdout.write(f"Dry run: {summary}; nothing was imported.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
