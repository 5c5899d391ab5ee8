"""Upload limits for prototypes; each can be overridden in settings as PROTOTYPE_<NAME>."""

from django.conf import settings

_DEFAULTS = {
    # Screens: each file is checked against the site's image limits (IMAGE_UPLOAD_* in settings).
    "SCREENS_PER_VERSION": 20,
    "THUMBNAIL_SIZE": (320, 320),
    # HTML bundles (zip): the upload, what it unpacks to, and how much smaller than that it may be.
    "BUNDLE_MAX_BYTES": 10 * 1024 * 1024,
    "BUNDLE_MAX_UNCOMPRESSED_BYTES": 50 * 1024 * 1024,
    "BUNDLE_MAX_FILE_BYTES": 10 * 1024 * 1024,
    "BUNDLE_MAX_FILES": 200,
    "BUNDLE_MAX_RATIO": 100,
    # Video links: https only, to these hosts.
    "VIDEO_HOSTS": ["www.youtube.com", "youtube.com", "youtu.be", "vimeo.com", "player.vimeo.com"],
}


def limit(name: str):
    return getattr(settings, f"PROTOTYPE_{name}", _DEFAULTS[name])
