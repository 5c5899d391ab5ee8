"""Validating and re-encoding uploaded images (avatars, idea attachments, prototype screens).

Only files Pillow can decode as one of the allowed formats pass; pixel counts are checked before decoding
(decompression bombs) and everything is re-encoded, which drops metadata such as EXIF locations.
"""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_PIXELS = 40_000_000


def open_validated(upload, *, max_bytes: int) -> Image.Image:
    """The upload as a loaded RGBA image, or ValidationError saying why not."""
    if upload.size > max_bytes:
        raise ValidationError(
            _("The image is too large: at most %(mb)d MB, please.") % {"mb": max_bytes // 2**20},
            code="too_large",
        )
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
        return image.convert("RGBA")


def png_file(image: Image.Image, name: str) -> ContentFile:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name=name)


def square(image: Image.Image, size: int) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.LANCZOS)


def fit_within(image: Image.Image, size: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    return copy
