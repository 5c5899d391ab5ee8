from django.contrib import admin
from django.utils.html import format_html_join

from cocreate.admin_views import ReadOnlyAdmin

from .models import ReconciliationReport, ScheduledJob, WorkerHeartbeat


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
