from django.apps import AppConfig

from community import member_data


class IdeasConfig(AppConfig):
    name = "ideas"
    verbose_name = "Ideas"

    def ready(self):
        # Django's place for registering with other apps: the module needs the app registry ready.
        from .member_data import MEMBER_DATA

        member_data.register(self.label, MEMBER_DATA)
