"""Screens: real, bounded pictures, then re-encoded (dropping metadata) plus a thumbnail."""

import io
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image

from cocreate.images import check_image

from .limits import limit

# The file extension each allowed format is stored under: JPEG stays JPEG, the rest become PNG.
FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "png", "WEBP": "png"}


@dataclass
class CheckedScreen:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _encode(picture: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        picture.convert("RGB").save(buffer, "JPEG", quality=88)
    else:
        picture.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def check_screen(upload) -> CheckedScreen:
    """Refuse anything the site's one image check (cocreate.images) refuses; keep JPEG as JPEG."""
    checked = check_image(upload)
    picture, fmt, width, height = checked.image, checked.format, checked.width, checked.height
    name = PurePath(getattr(upload, "name", "") or "screen").name[:60]
    if picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA")
    out_format = "JPEG" if fmt == "JPEG" else "PNG"
    stem = PurePath(name).stem[:40] or "screen"
    image = ContentFile(_encode(picture, out_format), name=f"{stem}.{FORMATS.get(fmt, 'png')}")
    thumb = picture.copy()
    thumb.thumbnail(limit("THUMBNAIL_SIZE"))
    thumbnail = ContentFile(_encode(thumb, out_format), name=f"{stem}-thumb.{FORMATS.get(fmt, 'png')}")
    return CheckedScreen(image=image, thumbnail=thumbnail, width=width, height=height)


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
