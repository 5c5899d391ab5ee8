from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings

from operations import schedule


class WebhooksConfig(AppConfig):
    """Signed outgoing webhooks (JSON events or Slack messages) and the issue trackers' inbound ones.
    Top layer: it subscribes to the lower apps' signals and imports them; none imports it."""

    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        # Django's place for registering: these modules import models.
        from . import events, tasks

        events.connect()
        schedule.register(
            "webhooks.deliver_due",
            every=timedelta(seconds=settings.WEBHOOKS_SWEEP_SECONDS),
            task=tasks.deliver_due,
            when=events.any_due,
        )
        schedule.register(
            "webhooks.scan_segment_thresholds",
            every=timedelta(minutes=settings.WEBHOOKS_SEGMENT_SCAN_MINUTES),
            task=events.scan_segment_thresholds_task,
            when=events.any_segment_thresholds,
        )
