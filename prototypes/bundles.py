"""Uploaded HTML bundles (zip): refused unless small, flat-safe and honest about their sizes.

A bundle is kept exactly as uploaded and served one file at a time from its own path
(`/prototypes/bundles/<version>/<file>`) into a sandboxed iframe, under a Content-Security-Policy whose
`sandbox` directive gives it an opaque origin even when opened on its own: its scripts cannot read the
site's cookies, and `default-src 'none'` leaves them no way to call the site's API.
"""

import mimetypes
import posixpath
import stat
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .limits import limit

# What a self-contained mock-up needs; anything else (executables, archives, HTML imports) is refused.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

# The policy every bundle file is served with (see the module docstring); `frame-ancestors 'self'` lets
# only our own prototype page frame it.
BUNDLE_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; frame-ancestors 'self'; sandbox allow-scripts"
)

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class BundleInfo:
    entry: str
    names: tuple[str, ...]
    uncompressed_bytes: int


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _check_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    shown = name[:80]
    if "\\" in name:
        raise ValidationError(_("“%(name)s” uses backslashes; use / between folders.") % {"name": shown})
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ValidationError(_("“%(name)s” is an absolute path; paths must be relative.") % {"name": shown})
    parts = name.rstrip("/").split("/")
    if any(part in ("..", ".") for part in parts) or "\x00" in name or "" in parts:
        raise ValidationError(_("“%(name)s” points outside the bundle.") % {"name": shown})
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ValidationError(
            _("“%(name)s” is a symbolic link; bundles may not contain links.") % {"name": shown}
        )
    return name


def _measure(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> int:
    """Really decompress a member, stopping as soon as it exceeds what it declared or the budget."""
    size = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > info.file_size or size > budget:
                raise ValidationError(
                    _("“%(name)s” unpacks to more than it declares; the bundle looks like a zip bomb.")
                    % {"name": info.filename[:80]}
                )
    return size


def validate_bundle(upload) -> BundleInfo:
    """Check an uploaded zip completely before anything is stored; raise ValidationError with the reason."""
    max_bytes = limit("BUNDLE_MAX_BYTES")
    if upload.size > max_bytes:
        raise ValidationError(
            _("The bundle is %(size)s; the limit is %(limit)s.")
            % {"size": _megabytes(upload.size), "limit": _megabytes(max_bytes)}
        )
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError(_("The bundle is not a zip file.")) from None
    with archive:
        infos = archive.infolist()
        files = [info for info in infos if not info.is_dir()]
        if len(infos) > limit("BUNDLE_MAX_FILES"):
            raise ValidationError(
                ngettext(
                    "The bundle holds %(count)d entry; the limit is %(limit)d.",
                    "The bundle holds %(count)d entries; the limit is %(limit)d.",
                    len(infos),
                )
                % {"count": len(infos), "limit": limit("BUNDLE_MAX_FILES")}
            )
        seen = set()
        declared_total = 0
        for info in infos:
            name = _check_name(info)
            if name in seen:
                raise ValidationError(_("“%(name)s” appears twice in the bundle.") % {"name": name[:80]})
            seen.add(name)
            if info.is_dir():
                continue
            extension = posixpath.splitext(name)[1].lower()
            if extension not in CONTENT_TYPES:
                raise ValidationError(
                    _(
                        "“%(name)s” is not a file type a bundle may hold "
                        "(HTML, CSS, JavaScript, images, fonts)."
                    )
                    % {"name": name[:80]}
                )
            if info.file_size > limit("BUNDLE_MAX_FILE_BYTES"):
                raise ValidationError(
                    _("“%(name)s” is %(size)s; each file may be at most %(limit)s.")
                    % {
                        "name": name[:80],
                        "size": _megabytes(info.file_size),
                        "limit": _megabytes(limit("BUNDLE_MAX_FILE_BYTES")),
                    }
                )
            declared_total += info.file_size
        max_total = limit("BUNDLE_MAX_UNCOMPRESSED_BYTES")
        if declared_total > max_total:
            raise ValidationError(
                _("The bundle unpacks to %(size)s; the limit is %(limit)s.")
                % {"size": _megabytes(declared_total), "limit": _megabytes(max_total)}
            )
        if declared_total > limit("BUNDLE_MAX_RATIO") * max(upload.size, 1) and declared_total > 1024 * 1024:
            raise ValidationError(
                _("The bundle unpacks to %(ratio)d times its size; it looks like a zip bomb.")
                % {"ratio": declared_total // max(upload.size, 1)}
            )
        # Sizes in the zip's directory can lie: decompress for real, within the same budget.
        actual_total = 0
        for info in files:
            try:
                actual_total += _measure(archive, info, max_total - actual_total)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError):
                raise ValidationError(
                    _("“%(name)s” cannot be unpacked (damaged, encrypted or an unsupported compression).")
                    % {"name": info.filename[:80]}
                ) from None
        entry = _find_entry({info.filename for info in files})
    upload.seek(0)
    return BundleInfo(entry=entry, names=tuple(sorted(seen)), uncompressed_bytes=actual_total)


def _find_entry(names: set[str]) -> str:
    if "index.html" in names:
        return "index.html"
    # A zip of a folder: "mockup/index.html" with everything under "mockup/".
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and f"{next(iter(tops))}/index.html" in names:
        return f"{next(iter(tops))}/index.html"
    raise ValidationError(_("The bundle needs an index.html at its top level."))


def read_bundle_file(bundle_field, path: str) -> tuple[bytes, str] | None:
    """The bytes and content type of one file of a stored bundle, or None if it holds no such file.

    Only names that exist in the archive are read, so no request path can reach anything else.
    """
    extension = posixpath.splitext(path)[1].lower()
    if extension not in CONTENT_TYPES:
        return None
    with bundle_field.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        try:
            info = archive.getinfo(path)
        except KeyError:
            return None
        if info.is_dir() or info.file_size > limit("BUNDLE_MAX_FILE_BYTES"):
            return None
        return archive.read(info), CONTENT_TYPES.get(extension) or mimetypes.guess_type(path)[0]
