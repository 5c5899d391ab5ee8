"""Background CLV fits: a fit reads every transaction of its window and takes seconds to minutes, so the
"Refit now" button queues it; the scheduler queues a refit every CLV_REFIT_EVERY_HOURS (backlog.apps)."""

from django.utils import timezone
from django_tasks import task

from .clv_models import clv_fit_create, clv_fit_run
from .equity_share import customer_snapshot_take
from .models import CLVFit, CustomerSnapshot, Transaction


@task()
def run_clv_fit(*, fit_id: int) -> str:
    """Run a queued fit. Safe to run twice: a fit that already finished is left as it is."""
    fit = CLVFit.objects.filter(pk=fit_id).first()
    if fit is None:
        return "gone"
    return clv_fit_run(fit=fit).status


@task()
def refit_clv() -> str:
    """Periodic: a new fit of every transaction up to today."""
    return clv_fit_run(fit=clv_fit_create()).status


def has_transactions() -> bool:
    return Transaction.objects.exists()


@task()
def take_customer_snapshot() -> str:
    """Periodic: this month's customer snapshot (backlog.equity_share); safe to run twice."""
    return str(customer_snapshot_take().month)


def customer_snapshot_due() -> bool:
    """No snapshot of the current month yet (the scheduler asks daily; the first tick of a month takes it)."""
    return not CustomerSnapshot.objects.filter(month=timezone.localdate().replace(day=1)).exists()
