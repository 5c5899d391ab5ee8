from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app notifications now; email and digests through background tasks later."""

    name = "notifications"
    verbose_name = "Notifications"
