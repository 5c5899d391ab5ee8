"""Background work of the community app. Tasks take ids and call the module that does the work."""

from django_tasks import task

from operations.retry import retry_transient

from . import avatars


@task()
@retry_transient()
def process_avatars(*, upload_ids: list[int]) -> dict[str, str]:
    """Decode, square and re-encode uploaded avatars (community.avatars); safe to run twice: only an
    upload still PROCESSING is worked on, and only once (cocreate.image_processing)."""
    return {str(upload_id): avatars.process_avatar(upload_id) for upload_id in upload_ids}
