"""manage.py take_customer_snapshot: this month's customer overview snapshot now (docs/clv.md).

Idempotent: run again in the same month, it replaces that month's figures; the scheduler takes one on the
first tick of each month (backlog.apps). A handful of aggregate queries: no progress bar needed.
"""

from django.core.management.base import BaseCommand

from backlog.equity_share import customer_snapshot_take


class Command(BaseCommand):
    help = "Take this month's snapshot of the customer overview's figures (replaces this month's, if any)."

    def handle(self, *args, **options):
        snapshot = customer_snapshot_take()
        total = snapshot.figures["total"]
        self.stdout.write(
            f"Snapshot {snapshot.month:%Y-%m}: {total['customers']} customers, equity {total['equity']}, "
            f"share {total['share'] if total['share'] is not None else 'unknown'}"
        )
