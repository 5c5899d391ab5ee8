from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self):
        # Django's place for registering: these modules need the app registry ready.
        from cocreate import image_processing

        from . import avatars, signals, tasks  # noqa: F401 (signals connects its receivers)

        image_processing.register(
            avatars.AVATARS, requeue=lambda ids: tasks.process_avatars.enqueue(upload_ids=ids)
        )
