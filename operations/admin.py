from django.contrib import admin
from django.utils.html import format_html_join

from .models import ReconciliationReport, ScheduledJob, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the worker, the scheduler and the reconciliation job only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationReport)
class ReconciliationReportAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "drifted", "repaired", "checks"]
    list_filter = ["started_at"]
    readonly_fields = ["started_at", "finished_at", "drifted", "repaired", "checks", "findings"]

    @admin.display(description="checks")
    def checks(self, report):
        return format_html_join(
            ", ",
            "{}: {} checked, {} drifted, {} repaired{}",
            (
                (
                    name,
                    finding.get("checked", 0),
                    finding.get("drifted", 0),
                    finding.get("repaired", 0),
                    f" (error: {finding['error']})" if finding.get("error") else "",
                )
                for name, finding in sorted(report.findings.items())
            ),
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "beat_at"]


@admin.register(ScheduledJob)
class ScheduledJobAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_run_at"]
