"""Avatar uploads: only real images within the site's image limits (cocreate.images), as a 256×256 PNG."""

from django.core.files.base import ContentFile

from cocreate.images import open_validated, png_file, square

SIZE = 256


def process_avatar(upload) -> ContentFile:
    """Validate an uploaded file and return a square PNG of it; raises ValidationError with a reason."""
    return png_file(square(open_validated(upload), SIZE), "avatar.png")
