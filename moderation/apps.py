from datetime import timedelta

from django.apps import AppConfig

from community import conduct, member_data
from operations import schedule


class ModerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        # Django's place for registering with other apps: the modules need the app registry ready.
        from . import tasks
        from .conduct import ModerationConduct
        from .member_data import MEMBER_DATA

        conduct.register(ModerationConduct())
        member_data.register(self.label, MEMBER_DATA)
        # Hourly, as scan_votes' docstring asks; the "Scan now" button queues the same task.
        schedule.register("moderation.scan_votes", every=timedelta(hours=1), task=tasks.scan_votes)
        schedule.register(
            "moderation.refresh_trust_levels", every=timedelta(days=1), task=tasks.refresh_trust_levels
        )
