from datetime import timedelta

from django.apps import AppConfig

from community import member_data
from operations import schedule


class NotificationsConfig(AppConfig):
    """In-app notifications, and the email that follows them (at once or in daily and weekly digests)
    through background tasks."""

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Django's place for registering: the tasks module needs the app registry ready.
        from community import auth

        from . import tasks
        from .member_data import MEMBER_DATA
        from .services import unread_cache_key

        member_data.register(self.label, MEMBER_DATA)
        # The unread badge is on nearly every page a member gets: its count comes with the member.
        auth.read_with_member(unread_cache_key)

        schedule.register("notifications.daily_digest", every=timedelta(days=1), task=tasks.send_daily_digest)
        schedule.register(
            "notifications.weekly_digest", every=timedelta(days=7), task=tasks.send_weekly_digest
        )
