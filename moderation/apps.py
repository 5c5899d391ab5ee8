from django.apps import AppConfig

from community import conduct


class ModerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        # Django's place for registering with other apps: the module needs the app registry ready.
        from .conduct import ModerationConduct

        conduct.register(ModerationConduct())
