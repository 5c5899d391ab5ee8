"""Idea images: the upload is kept as it came, then decoded, resized and re-encoded in the background.

The request reads only the header and stores the file (ideas.services.idea_attach_image); the decoding
runs in the task queue (ideas.tasks) through the project's one pipeline, cocreate.image_processing, which
makes it safe to run twice and marks a picture that cannot be decoded FAILED with the reason.
"""

from cocreate import image_processing
from cocreate.images import fit_within, png_file

from .models import IdeaImage

FULL_SIZE = 1600  # the longest side of the picture shown when the thumbnail is opened
THUMBNAIL_SIZE = 320


def render(attachment: IdeaImage, checked) -> dict:
    picture = checked.image.convert("RGBA")
    return {
        "image": png_file(fit_within(picture, FULL_SIZE), "image.png"),
        "thumbnail": png_file(fit_within(picture, THUMBNAIL_SIZE), "thumb.png"),
    }


IDEA_IMAGES = image_processing.ImageKind(name="idea images", model=IdeaImage, render=render)


def process_image(image_id: int) -> str:
    """Make the picture and thumbnail of one PROCESSING image; returns its status afterwards."""
    return image_processing.process(IDEA_IMAGES, image_id)
