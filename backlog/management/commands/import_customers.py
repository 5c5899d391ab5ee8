"""manage.py import_customers FILE.csv [--dry-run]: members' CLV from a CRM export, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backlog.crm import CRMFileError, customers_import, decode_csv
from backlog.management.import_reporting import progress_bar, refuse_unless_ok


class Command(BaseCommand):
    help = (
        "Import members' customer value from a CRM export (CSV, UTF-8; columns email, external_id, segment, "
        "margin, retention, clv). Every row is checked first; one bad row and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--dry-run", action="store_true", help="check the file, import nothing")

    def handle(self, *args, file, dry_run, verbosity, **options):
        path = Path(file)
        try:
            text = decode_csv(path.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        except CRMFileError as error:
            raise CommandError(str(error)) from error

        def progress(rows, total):
            return progress_bar(rows=rows, total=total, desc="Checking rows", verbosity=verbosity)

        report = customers_import(
            text=text, imported_by=None, source=path.name, dry_run=dry_run, progress=progress
        )
        refuse_unless_ok(self, report)
        if dry_run:
            self.stdout.write(f"Dry run: all {len(report.rows)} rows are valid; nothing was imported.")
        else:
            summary = f"{report.created} created, {report.updated} updated"
            self.stdout.write(self.style.SUCCESS(f"Imported {len(report.rows)} customers: {summary}."))
