from django.apps import AppConfig

from community import member_data


class BacklogConfig(AppConfig):
    name = "backlog"
    verbose_name = "Backlog and customer value"

    def ready(self):
        # Django's place for registering with other apps: the module needs the app registry ready.
        from . import receivers  # noqa: F401 (connects its receivers)
        from .member_data import MEMBER_DATA

        member_data.register(self.label, MEMBER_DATA)
