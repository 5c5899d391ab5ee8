from django.apps import AppConfig

from community import member_data


class IdeasConfig(AppConfig):
    name = "ideas"
    verbose_name = "Ideas"

    def ready(self):
        # Django's place for registering with other apps: the modules need the app registry ready.
        from cocreate import image_processing  # defines a model base: needs the registry ready too

        from . import images, tasks
        from .member_data import MEMBER_DATA

        member_data.register(self.label, MEMBER_DATA)
        image_processing.register(
            images.IDEA_IMAGES, requeue=lambda ids: tasks.process_idea_images.enqueue(image_ids=ids)
        )
