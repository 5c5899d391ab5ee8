"""Idea images: the upload is kept as it came, then decoded, resized and re-encoded in the background.

Decoding is the expensive part (a 25-megapixel picture is 100 MB as RGBA and about a second of CPU), so a
request only reads the header (cocreate.images.inspect_image) and stores the file; `process_image` runs
in the task queue (ideas.tasks). It is safe to run twice, or twice at once: only an image still
PROCESSING is worked on, and the outcome is written under the row's lock only if it is still PROCESSING,
so a second run that finds it done writes nothing.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cocreate.images import check_image, fit_within, png_file

from .models import IdeaImage

log = logging.getLogger(__name__)

FULL_SIZE = 1600  # the longest side of the picture shown when the thumbnail is opened
THUMBNAIL_SIZE = 320


def process_image(image_id: int) -> str:
    """Make the picture and thumbnail of one PROCESSING image; returns its status afterwards.

    A file that turns out not to be an image within the limits marks the image FAILED with the reason
    (the author reads it on the idea page). Anything else (the storage, the database) raises, so the task
    is retried; the image stays PROCESSING meanwhile.
    """
    attachment = IdeaImage.objects.filter(pk=image_id).first()
    if attachment is None or attachment.status != IdeaImage.Status.PROCESSING:
        return attachment.status if attachment else "gone"
    if not attachment.source:
        return _finish(image_id, failure=_("The uploaded file was lost; post the image again."))
    try:
        with attachment.source.open("rb") as source:
            picture = check_image(source).image.convert("RGBA")
    except ValidationError as refused:
        return _finish(image_id, failure=" ".join(refused.messages))
    except FileNotFoundError:
        return _finish(image_id, failure=_("The uploaded file was lost; post the image again."))
    full = png_file(fit_within(picture, FULL_SIZE), "image.png")
    thumb = png_file(fit_within(picture, THUMBNAIL_SIZE), "thumb.png")
    picture.close()
    return _finish(image_id, full=full, thumb=thumb)


def _finish(image_id: int, *, full=None, thumb=None, failure: str = "") -> str:
    """Write the outcome if the image is still PROCESSING (under its row lock); else leave it be."""
    storage = IdeaImage._meta.get_field("image").storage
    written = []
    with transaction.atomic():
        attachment = IdeaImage.objects.select_for_update().filter(pk=image_id).first()
        if attachment is None or attachment.status != IdeaImage.Status.PROCESSING:
            return attachment.status if attachment else "gone"  # another run finished it first
        source_name = attachment.source.name
        if failure:
            attachment.status, attachment.failure = IdeaImage.Status.FAILED, failure[:300]
        else:
            attachment.image.save("image.png", full, save=False)
            attachment.thumbnail.save("thumb.png", thumb, save=False)
            written = [attachment.image.name, attachment.thumbnail.name]
            attachment.status = IdeaImage.Status.READY
        attachment.source = ""
        try:
            attachment.save(update_fields=["image", "thumbnail", "source", "status", "failure"])
        except Exception:
            for name in written:  # the row is unchanged: the files made for it go too
                storage.delete(name)
            raise
    if source_name:
        storage.delete(source_name)  # the original, with its metadata, is not kept
    log.info("idea image %s: %s", image_id, attachment.status)
    return attachment.status
