"""Background work of the ideas app. Tasks take ids and call the module that does the work."""

from django_tasks import task

from operations.retry import retry_transient

from . import images


@task()
@retry_transient()
def process_idea_images(*, image_ids: list[int]) -> dict[str, str]:
    """Decode, resize and re-encode the images of a post (ideas.images); safe to run twice."""
    return {str(image_id): images.process_image(image_id) for image_id in image_ids}
