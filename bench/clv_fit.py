"""CLV fit time at the issue-20 size: 20,000 customers and about 500,000 transactions, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_clv .venv/bin/python bench/clv_fit.py

Creates the database if missing and migrates. Draws two years of purchases for 20,000 customers from
known BG/NBD and Gamma-Gamma parameters (backlog.clv_simulation), writes them as a transactions CSV,
imports it with the site's import (`backlog.transactions.transactions_import`, timed; a second import of
the same file is timed too: it must add nothing), then runs a fit (`backlog.clv_models.clv_fit_run`:
read, calibration/holdout fit, BG/NBD, Gamma-Gamma, predictions, storing them) and prints each stage's
seconds, the peak memory and the parameters recovered next to the true ones. Run it twice: the first
fit in a fresh environment also compiles pytensor's C code (cached in ~/.pytensor afterwards).
"""

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.standalone import own_database, peak_mb, setup_django  # noqa: E402


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument(
        "--fit-only", action="store_true", help="fit the transactions imported by a run before"
    )
    args = parser.parse_args()
    setup_django("clv")
    from datetime import date, timedelta

    from django.utils import timezone
    from tqdm import tqdm

    from backlog.clv_simulation import Truth, simulate
    from backlog.models import CustomerRecord, Transaction
    from backlog.transactions import transactions_import
    from community.models import Segment

    own_database()
    truth = Truth(r=2.0, alpha=2.8, a=1.0, b=12.0)
    start = date(2024, 1, 1)
    end = start + timedelta(weeks=args.weeks)
    if args.fit_only:
        fit_and_report(truth, end)
        return
    segment, _ = Segment.objects.get_or_create(
        slug="bench", defaults={"name": "Bench", "discount_rate": "0.1"}
    )
    Transaction.objects.filter(customer__external_id__startswith="bench-").delete()
    have = CustomerRecord.objects.filter(external_id__startswith="bench-").count()
    now = timezone.now()
    CustomerRecord.objects.bulk_create(
        [
            CustomerRecord(external_id=f"bench-{n}", segment=segment, clv=0, imported_at=now)
            for n in range(have, args.customers)
        ],
        batch_size=2000,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["external_id", "date", "amount", "reference"])
        rows = 0
        for customer, day, amount in tqdm(
            simulate(args.customers, truth=truth, weeks=args.weeks, start=start, seed=20),
            desc="Drawing purchases",
            unit="row",
        ):
            if day < end:
                rows += 1
                writer.writerow([f"bench-{customer}", day.isoformat(), f"{amount:.2f}", f"o{rows}"])
    path = Path(out.name)
    print(f"{args.customers:,} customers, {rows:,} transactions, {path.stat().st_size / 2**20:.1f} MB CSV")

    def imported(label):
        began = time.perf_counter()
        with path.open("rb") as lines, tqdm(total=rows, desc=label, unit="row") as bar:
            report = transactions_import(
                lines=lines, imported_by=None, source=path.name, on_rows=bar.update, today=end
            )
        seconds = time.perf_counter() - began
        assert report.ok and report.imported, (report.file_errors, report.errors[:5])
        print(
            f"{label}: {seconds:.1f} s ({rows / seconds:,.0f} rows/s): "
            f"{report.created:,} new, {report.unchanged:,} unchanged"
        )

    imported("Import")
    imported("Import again")
    path.unlink()
    fit_and_report(truth, end)


def fit_and_report(truth, end):
    from datetime import timedelta

    from backlog.clv_models import clv_fit_create, clv_fit_run

    fit = clv_fit_run(fit=clv_fit_create(window_end=end - timedelta(days=1), horizon_months=12))
    print(f"Fit {fit.pk}: {fit.status}, {fit.message}")
    print(f"Total {fit.seconds:.1f} s; stages (s): {fit.diagnostics.get('seconds')}")
    print(f"Peak memory (max RSS): {peak_mb():.0f} MB")
    truth_values = {
        "r": truth.r,
        "alpha": truth.alpha,
        "a": truth.a,
        "b": truth.b,
        "p": truth.p,
        "q": truth.q,
        "v": truth.gamma,
    }
    got = {**fit.parameters.get("bg_nbd", {}), **fit.parameters.get("gamma_gamma", {})}
    for name, value in truth_values.items():
        if name in got:
            print(f"  {name}: true {value}, fitted {got[name]:.4f} ({(got[name] - value) / value:+.1%})")


if __name__ == "__main__":
    main()
