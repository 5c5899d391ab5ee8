"""Screens: real, bounded pictures, then re-encoded (dropping metadata) plus a thumbnail."""

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .limits import limit

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
    """Refuse anything that is not a PNG, JPEG, GIF or WebP picture within the size and pixel limits."""
    name = PurePath(getattr(upload, "name", "") or "screen").name[:60]
    if upload.size > limit("SCREEN_MAX_BYTES"):
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; a screen may be at most %(limit).1f MB.")
            % {"name": name, "size": upload.size / 2**20, "limit": limit("SCREEN_MAX_BYTES") / 2**20}
        )
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            width, height = probe.size  # read from the header, before any decoding
            if fmt not in FORMATS:
                raise ValidationError(_("“%(name)s” is not a PNG, JPEG, GIF or WebP image.") % {"name": name})
            if width * height > limit("SCREEN_MAX_PIXELS"):
                raise ValidationError(
                    _("“%(name)s” is %(w)d×%(h)d pixels; a screen may have at most %(limit)d million pixels.")
                    % {"name": name, "w": width, "h": height, "limit": limit("SCREEN_MAX_PIXELS") // 10**6}
                )
            probe.verify()
            picture = Image.open(io.BytesIO(data))
            picture.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise ValidationError(_("“%(name)s” is not an image (or it is damaged).") % {"name": name}) from None
    if picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA")
    out_format = "JPEG" if fmt == "JPEG" else "PNG"
    stem = PurePath(name).stem[:40] or "screen"
    image = ContentFile(_encode(picture, out_format), name=f"{stem}.{FORMATS[fmt]}")
    thumb = picture.copy()
    thumb.thumbnail(limit("THUMBNAIL_SIZE"))
    thumbnail = ContentFile(_encode(thumb, out_format), name=f"{stem}-thumb.{FORMATS[fmt]}")
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
