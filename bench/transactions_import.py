r"""Transactions import at one million rows (issue 20: "One million rows must be fine"), on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_clvrisk \
        .venv/bin/python -m bench.transactions_import --rows 1000000

(As a module: run as a script, bench/profile.py would shadow the standard library's profile module.)

Creates the database if missing and migrates, creates the CRM customers (`bench-tx-<n>`, one per 25
rows by default), writes a transactions CSV of `--rows` rows (dates over two years, amounts, an order
reference; written row by row, never held in memory), then imports it with the site's import
(`backlog.transactions.transactions_import`, as `manage.py import_transactions` does) and imports it
again (it must add nothing), printing each import's seconds, rows per second and the process's peak
memory (max RSS) after each step. `--profile` prints the import's 25 costliest functions (cProfile).
Deletes the bench customers' transactions first, so every run starts from the same table.
"""

import argparse
import cProfile
import csv
import os
import pstats
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.standalone import own_database, peak_mb, setup_django  # noqa: E402


def write_csv(path: Path, *, rows: int, customers: int, start: date, days: int, seed: int = 20) -> None:
    draw = random.Random(seed)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["external_id", "date", "amount", "reference"])
        for n in range(rows):
            customer = n * customers // rows  # each customer's purchases together, as a CRM export sorts
            day = start + timedelta(days=draw.randrange(days))
            writer.writerow([f"bench-tx-{customer}", day.isoformat(), f"{draw.uniform(5, 300):.2f}", f"o{n}"])


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, help="default: one per 25 rows")
    parser.add_argument("--batch-size", type=int, help="default: backlog.transactions.BATCH_SIZE")
    parser.add_argument("--profile", action="store_true", help="profile the first import (cProfile)")
    parser.add_argument("--once", action="store_true", help="skip the second import of the same file")
    args = parser.parse_args()
    customers = args.customers or max(1, args.rows // 25)
    setup_django("transactions")
    from django.utils import timezone

    from backlog import transactions
    from backlog.models import CustomerRecord, Transaction

    own_database()
    began = time.perf_counter()
    Transaction.objects.filter(customer__external_id__startswith="bench-tx-").delete()
    have = CustomerRecord.objects.filter(external_id__startswith="bench-tx-").count()
    now = timezone.now()
    CustomerRecord.objects.bulk_create(
        [CustomerRecord(external_id=f"bench-tx-{n}", clv=0, imported_at=now) for n in range(have, customers)],
        batch_size=2000,
    )
    print(f"Setup (delete old rows, customers): {time.perf_counter() - began:.1f} s")
    start = date(2024, 1, 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "transactions.csv"
        began = time.perf_counter()
        write_csv(path, rows=args.rows, customers=customers, start=start, days=730)
        print(
            f"{args.rows:,} rows for {customers:,} customers: {path.stat().st_size / 2**20:.1f} MB CSV, "
            f"written in {time.perf_counter() - began:.1f} s; peak memory so far {peak_mb():.0f} MB"
        )
        batch = {"batch_size": args.batch_size} if args.batch_size else {}

        def imported(label, *, profile=False):
            profiler = cProfile.Profile() if profile else None
            began = time.perf_counter()
            with path.open("rb") as lines:
                if profiler:
                    profiler.enable()
                report = transactions.transactions_import(
                    lines=lines,
                    imported_by=None,
                    source=path.name,
                    today=start + timedelta(days=800),
                    **batch,
                )
                if profiler:
                    profiler.disable()
            seconds = time.perf_counter() - began
            assert report.ok and report.imported, (report.file_errors, report.errors[:5])
            print(
                f"{label}: {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s): {report.created:,} new, "
                f"{report.unchanged:,} unchanged; peak memory so far {peak_mb():.0f} MB"
            )
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            return report

        first = imported("Import", profile=args.profile)
        assert first.created == args.rows
        if not args.once:
            again = imported("Import again")
            assert again.created == 0 and again.unchanged == args.rows
    print(f"Load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
