"""Avatar uploads: only real images, within size limits, re-encoded square (which also drops EXIF)."""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
SIZE = 256


def process_avatar(upload) -> ContentFile:
    """Validate an uploaded file and return a 256×256 PNG of it; raises ValidationError with a reason."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The avatar is too large: at most 5 MB, please."), code="too_large")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            _("That file is not an image we can read (use JPEG, PNG, GIF or WebP)."), code="not_image"
        ) from None
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(_("Use a JPEG, PNG, GIF or WebP image."), code="format")
    if width * height > MAX_PIXELS:
        raise ValidationError(_("The image has too many pixels."), code="too_many_pixels")
    upload.seek(0)
    with Image.open(upload) as image:
        image = image.convert("RGBA")
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side)).resize(
            (SIZE, SIZE), Image.Resampling.LANCZOS
        )
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="avatar.png")
