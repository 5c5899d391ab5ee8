"""Screens: checked in the request (the header: cocreate.images), then re-encoded in the background
(dropping metadata) with a thumbnail, through the shared pipeline (cocreate.image_processing)."""

import io
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image

from cocreate import image_processing
from cocreate.images import inspect_image

from .limits import limit
from .models import Screen

# The file extension each allowed format is stored under: JPEG stays JPEG, the rest become PNG.
FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "png", "WEBP": "png"}


def _encode(picture: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        picture.convert("RGB").save(buffer, "JPEG", quality=88)
    else:
        picture.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def check_screen(upload) -> None:
    """Refuse anything the site's one image check (cocreate.images) refuses, from the header alone."""
    inspect_image(upload)


def render(screen: Screen, checked) -> dict:
    """The screen re-encoded (JPEG stays JPEG) and its thumbnail, with its size."""
    picture = checked.image
    if picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA")
    out_format = "JPEG" if checked.format == "JPEG" else "PNG"
    extension = FORMATS.get(checked.format, "png")
    thumb = picture.copy()
    thumb.thumbnail(limit("THUMBNAIL_SIZE"))
    return {
        "image": ContentFile(_encode(picture, out_format), name=f"screen-{screen.pk}.{extension}"),
        "thumbnail": ContentFile(_encode(thumb, out_format), name=f"screen-{screen.pk}-thumb.{extension}"),
        "width": checked.width,
        "height": checked.height,
    }


SCREENS = image_processing.ImageKind(name="prototype screens", model=Screen, render=render)


def process_screen(screen_id: int) -> str:
    """Make the image and thumbnail of one PROCESSING screen; returns its status afterwards."""
    return image_processing.process(SCREENS, screen_id)


def check_video_url(url: str) -> str:
    """Video links are https links to an allow-listed host, without credentials or odd ports."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValidationError(_("Video links must start with https://."))
    if parts.username or parts.password or parts.port not in (None, 443):
        raise ValidationError(_("Video links may not carry a user name, password or port."))
    hosts = limit("VIDEO_HOSTS")
    if (parts.hostname or "").lower() not in hosts:
        raise ValidationError(
            _("Video links must point to one of: %(hosts)s.") % {"hosts": ", ".join(sorted(hosts))}
        )
    return url
