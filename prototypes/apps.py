from django.apps import AppConfig


class PrototypesConfig(AppConfig):
    """Virtual prototypes that customers try, rate and compare (built in its own issue)."""

    name = "prototypes"
    verbose_name = "Prototypes"

    def ready(self):
        # Django's place for registering: these modules need the app registry ready.
        from cocreate import image_processing
        from community import member_data

        from . import screens, tasks
        from .member_data import MEMBER_DATA

        image_processing.register(
            screens.SCREENS, requeue=lambda ids: tasks.process_screens.enqueue(screen_ids=ids)
        )
        member_data.register(self.label, MEMBER_DATA)
