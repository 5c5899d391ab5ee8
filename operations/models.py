from django.db import models


class WorkerHeartbeat(models.Model):
    """A `run_worker` process that is alive: it rewrites `beat_at` every few seconds, from a thread of
    its own, also while a task runs. A RUNNING task whose worker has not beaten for longer than the
    lease (settings.TASK_WORKER_LEASE_SECONDS) is taken up again (operations.worker.reclaim_orphans)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self):
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class ScheduledJob(models.Model):
    """When `run_scheduler` last queued a periodic job (operations.schedule): kept in the database, so
    a restarted scheduler, or a second one, neither repeats a job early nor skips one."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class ReconciliationReport(models.Model):
    """One run of the reconciliation job (operations.reconcile): what each check compared, how many
    rows had drifted from what they are derived from, and whether they were repaired. Shown to staff
    in the admin."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # {check name: {"checked": n, "drifted": n, "repaired": n, "sample": [ids], "error": "..."}}
    findings = models.JSONField(default=dict)
    drifted = models.IntegerField(default=0)
    repaired = models.IntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="reconciliation_recent")]

    def __str__(self):
        return f"Reconciliation of {self.started_at:%Y-%m-%d %H:%M}: {self.drifted} drifted"
