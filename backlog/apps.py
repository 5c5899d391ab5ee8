from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings

from community import member_data
from ideas import equity
from operations import schedule


class BacklogConfig(AppConfig):
    name = "backlog"
    verbose_name = "Backlog and customer value"

    def ready(self):
        # Django's place for registering with other apps: the module needs the app registry ready.
        from . import receivers, tasks  # noqa: F401 (receivers connects its receivers)
        from .member_data import MEMBER_DATA
        from .risk import IdeaRisk

        member_data.register(self.label, MEMBER_DATA)
        equity.register(IdeaRisk())
        schedule.register(
            "backlog.refit_clv",
            every=timedelta(hours=settings.CLV_REFIT_EVERY_HOURS),
            task=tasks.refit_clv,
            when=tasks.has_transactions,
        )
        # The customer overview's monthly snapshot (docs/clv.md): asked daily, taken once a month.
        schedule.register(
            "backlog.customer_snapshot",
            every=timedelta(days=1),
            task=tasks.take_customer_snapshot,
            when=tasks.customer_snapshot_due,
        )
