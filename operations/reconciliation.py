"""A reconciliation run over the checks registered in operations.reconcile, stored as a report."""

import logging
from datetime import timedelta

from django.utils import timezone

from .models import ReconciliationReport
from .reconcile import CHECKS

logger = logging.getLogger(__name__)

KEEP_REPORTS = timedelta(days=14)


def run(*, repair: bool = True) -> ReconciliationReport:
    """Run every registered check; store and return the report."""
    report = ReconciliationReport.objects.create(started_at=timezone.now())
    findings = {}
    for name, check in CHECKS.items():
        try:
            findings[name] = check(repair=repair).as_report()
        except Exception as error:
            logger.exception("Reconciliation check %r failed", name)
            findings[name] = {
                "checked": 0,
                "drifted": 0,
                "repaired": 0,
                "error": f"{type(error).__name__}: {error}",
            }
        if findings[name]["drifted"]:
            logger.warning("Reconciliation %r: %s", name, findings[name])
    report.findings = findings
    report.drifted = sum(finding["drifted"] for finding in findings.values())
    report.repaired = sum(finding["repaired"] for finding in findings.values())
    report.finished_at = timezone.now()
    report.save(update_fields=["findings", "drifted", "repaired", "finished_at"])
    ReconciliationReport.objects.filter(started_at__lt=report.started_at - KEEP_REPORTS).delete()
    return report
