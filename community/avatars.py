"""Avatar uploads: only real images, within size limits, re-encoded as a 256×256 PNG."""

from django.core.files.base import ContentFile

from cocreate.images import ALLOWED_FORMATS, open_validated, png_file, square

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SIZE = 256
__all__ = ["ALLOWED_FORMATS", "MAX_UPLOAD_BYTES", "process_avatar"]


def process_avatar(upload) -> ContentFile:
    """Validate an uploaded file and return a square PNG of it; raises ValidationError with a reason."""
    return png_file(square(open_validated(upload, max_bytes=MAX_UPLOAD_BYTES), SIZE), "avatar.png")
