"""Background work of the prototypes app. Tasks take ids and call the module that does the work."""

from django_tasks import task

from operations.retry import retry_transient

from . import screens


@task()
@retry_transient()
def process_screens(*, screen_ids: list[int]) -> dict[str, str]:
    """Re-encode uploaded screens and make their thumbnails (prototypes.screens); safe to run twice: only
    a screen still PROCESSING is worked on, and only once (cocreate.image_processing)."""
    return {str(screen_id): screens.process_screen(screen_id) for screen_id in screen_ids}
