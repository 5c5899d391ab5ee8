"""The one validator for uploaded pictures: avatars, idea images and prototype screens.

Its limits are three settings (IMAGE_UPLOAD_MAX_BYTES, IMAGE_UPLOAD_MAX_PIXELS, IMAGE_UPLOAD_FORMATS), read
on every call, so every upload path refuses the same files with the same words. Only files Pillow can
decode as one of the allowed formats pass; the pixel count is read from the header and checked before
anything is decoded (decompression bombs). Callers re-encode what passes, which drops metadata such as EXIF
locations.

`inspect_image` reads the header only (milliseconds, whatever the picture's size): a request uses it and
leaves decoding to a background task (cocreate.image_processing), which calls `check_image` on the stored
file.
"""

import io
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# How people spell Pillow's format names, and the MIME type a file picker may filter on.
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int
    formats: tuple[str, ...]

    @property
    def format_list(self) -> str:
        """ "JPEG, PNG, GIF or WebP", for messages and help texts."""
        return str(get_text_list([FORMAT_NAMES.get(f, f) for f in self.formats], _("or")))

    @property
    def accept(self) -> str:
        """The file input's `accept` attribute."""
        return ",".join(MIME_TYPES[f] for f in self.formats if f in MIME_TYPES)

    @property
    def help_text(self) -> str:
        return _("%(formats)s, at most %(size)s.") % {
            "formats": self.format_list,
            "size": filesizeformat(self.max_bytes),
        }


def image_limits() -> ImageLimits:
    return ImageLimits(
        max_bytes=settings.IMAGE_UPLOAD_MAX_BYTES,
        max_pixels=settings.IMAGE_UPLOAD_MAX_PIXELS,
        formats=tuple(settings.IMAGE_UPLOAD_FORMATS),
    )


@dataclass(frozen=True)
class CheckedImage:
    image: Image.Image  # decoded, in the file's own mode
    format: str  # Pillow's name, one of IMAGE_UPLOAD_FORMATS
    width: int
    height: int


@dataclass(frozen=True)
class ImageHeader:
    format: str  # Pillow's name, one of IMAGE_UPLOAD_FORMATS
    width: int
    height: int


def inspect_image(upload) -> ImageHeader:
    """What the upload's header says, within the limits, or ValidationError naming the file; decodes
    nothing, so it costs the same for a 40-megapixel picture as for an icon."""
    return _inspect(upload)[0]


def check_image(upload) -> CheckedImage:
    """The upload decoded, or ValidationError saying, with the file's name, why it was refused."""
    header, data, not_an_image = _inspect(upload)
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return CheckedImage(image=image, format=header.format, width=header.width, height=header.height)


def _inspect(upload) -> tuple[ImageHeader, bytes, ValidationError]:
    limits = image_limits()
    name = PurePath(getattr(upload, "name", "") or "image").name[:60]
    if upload.size > limits.max_bytes:
        raise ValidationError(
            _("“%(name)s” is too large (%(size)s): an image may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limits.max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    not_an_image = ValidationError(
        _("“%(name)s” is not an image we can read (use %(formats)s).")
        % {"name": name, "formats": limits.format_list},
        code="not_image",
    )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format
            width, height = probe.size  # from the header: nothing is decoded yet
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    if image_format not in limits.formats:
        raise ValidationError(
            _("“%(name)s” is not a %(formats)s image.") % {"name": name, "formats": limits.format_list},
            code="format",
        )
    if width * height > limits.max_pixels:
        raise ValidationError(
            _("“%(name)s” is %(w)d×%(h)d pixels: an image may have at most %(limit)s million pixels.")
            % {"name": name, "w": width, "h": height, "limit": f"{limits.max_pixels / 10**6:g}"},
            code="too_many_pixels",
        )
    return ImageHeader(format=image_format, width=width, height=height), data, not_an_image


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
