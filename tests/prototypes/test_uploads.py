"""Screens, video links and HTML bundles: bad uploads are refused with a clear reason and store nothing."""

import io
import stat
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from prototypes import bundles, services
from prototypes.models import Screen, Variant, VariantVersion

from .helpers import make_prototype, png_upload, publisher, zip_upload

pytestmark = pytest.mark.django_db

INDEX = "<!doctype html><title>Mock</title><script src='app.js'></script><p id=out>hi</p>"


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def draft():
    by = publisher()
    return make_prototype(by=by, variants=(), publish=False), by


def add_bundle(draft, upload, name="Mock-up"):
    prototype, by = draft
    return services.variant_add(prototype=prototype, by=by, name=name, kind="bundle", bundle_file=upload)


def test_a_valid_bundle_is_stored_and_served_with_its_entry(draft, settings):
    variant = add_bundle(draft, zip_upload({"mock/index.html": INDEX, "mock/app.js": "1;"}))
    version = variant.current_version
    assert version.bundle_entry == "mock/index.html"
    content, content_type = bundles.read_bundle_file(version.bundle, "mock/index.html")
    assert content.decode() == INDEX and content_type.startswith("text/html")
    assert bundles.read_bundle_file(version.bundle, "mock/../mock/index.html") is None
    assert bundles.read_bundle_file(version.bundle, "mock/missing.js") is None


def info(name, *, mode=None):
    entry = zipfile.ZipInfo(name)
    if mode is not None:
        entry.external_attr = mode << 16
    return entry


@pytest.mark.parametrize(
    "files, message",
    [
        ({"index.html": INDEX, "../evil.html": "x"}, "points outside the bundle"),
        ({"index.html": INDEX, "a/../../evil.html": "x"}, "points outside the bundle"),
        ({"index.html": INDEX, "/etc/passwd.txt": "x"}, "absolute path"),
        ({"index.html": INDEX, "C:/win.txt": "x"}, "absolute path"),
        ({"index.html": INDEX, "dir\\evil.html": "x"}, "backslashes"),
        ({"index.html": INDEX, info("link.html", mode=stat.S_IFLNK | 0o777): "/etc/passwd"}, "symbolic link"),
        ({"index.html": INDEX, "tool.exe": "MZ"}, "not a file type"),
        ({"main.html": INDEX}, "needs an index.html"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "drive", "backslash", "symlink", "exe", "no-index"],
)
def test_dangerous_bundles_are_refused_and_nothing_is_stored(draft, settings, files, message):
    with pytest.raises(ValidationError) as refused:
        add_bundle(draft, zip_upload(files))
    assert message in " ".join(refused.value.messages)
    assert not Variant.objects.exists() and not VariantVersion.objects.exists()
    assert stored_files(settings) == []


def test_zip_bombs_are_refused_by_ratio_and_total_size(draft, settings):
    settings.PROTOTYPE_BUNDLE_MAX_FILE_BYTES = 100 * 2**20
    bomb = zip_upload({"index.html": INDEX, "pad.txt": b"\0" * (20 * 2**20)})
    assert bomb.size < 100_000  # 20 MB of zeros squeeze into a few kilobytes
    with pytest.raises(ValidationError, match="zip bomb"):
        add_bundle(draft, bomb)
    settings.PROTOTYPE_BUNDLE_MAX_RATIO = 10**9
    with pytest.raises(ValidationError, match="unpacks to 20.0 MB; the limit is 50.0 MB|the limit is"):
        settings.PROTOTYPE_BUNDLE_MAX_UNCOMPRESSED_BYTES = 10 * 2**20
        add_bundle(draft, zip_upload({"index.html": INDEX, "pad.txt": b"\0" * (20 * 2**20)}))
    assert stored_files(settings) == []


def test_a_zip_that_lies_about_its_sizes_is_refused(draft):
    upload = zip_upload({"index.html": INDEX, "big.txt": b"A" * 200_000})
    data = bytearray(upload.read())
    # Rewrite big.txt's declared uncompressed size to 10 bytes, in its local header and central directory.
    local = data.find(b"big.txt") - 30
    data[local + 22 : local + 26] = (10).to_bytes(4, "little")
    central = data.rfind(b"big.txt") - 46
    assert data[central : central + 4] == b"PK\x01\x02"
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    liar = SimpleUploadedFile("liar.zip", bytes(data), content_type="application/zip")
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("big.txt").file_size == 10
    with pytest.raises(ValidationError, match="more than it declares|cannot be unpacked"):
        add_bundle(draft, liar)


def test_too_many_files_and_oversized_files_are_refused(draft, settings):
    settings.PROTOTYPE_BUNDLE_MAX_FILES = 5
    with pytest.raises(ValidationError, match="holds 7 entries; the limit is 5"):
        add_bundle(draft, zip_upload({"index.html": INDEX, **{f"f{n}.js": "1" for n in range(6)}}))
    settings.PROTOTYPE_BUNDLE_MAX_FILE_BYTES = 1000
    with pytest.raises(ValidationError, match="each file may be at most"):
        add_bundle(draft, zip_upload({"index.html": INDEX, "big.js": "x" * 5000}))
    settings.PROTOTYPE_BUNDLE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="The bundle is 0.0 MB; the limit is 0.0 MB|the limit is"):
        add_bundle(draft, zip_upload({"index.html": INDEX * 20}))
    with pytest.raises(ValidationError, match="not a zip file"):
        settings.PROTOTYPE_BUNDLE_MAX_BYTES = 10**6
        add_bundle(draft, SimpleUploadedFile("x.zip", b"not a zip at all"))


def test_screens_must_be_real_bounded_images(draft, settings):
    prototype, by = draft

    def add(*uploads):
        return services.variant_add(
            prototype=prototype, by=by, name="Gallery", kind="screens", screen_files=uploads
        )

    with pytest.raises(ValidationError, match="“notes.png” is not an image"):
        add(png_upload("ok.png"), SimpleUploadedFile("notes.png", b"just text", content_type="image/png"))
    with pytest.raises(ValidationError, match="is not a JPEG, PNG, GIF or WebP image"):
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buffer, "BMP")
        add(SimpleUploadedFile("s.bmp", buffer.getvalue()))
    settings.IMAGE_UPLOAD_MAX_PIXELS = 1000
    with pytest.raises(ValidationError, match="64×48 pixels"):
        add(png_upload())
    settings.IMAGE_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="an image may be at most"):
        add(png_upload())
    with pytest.raises(ValidationError, match="at least one screen"):
        add()
    assert not Screen.objects.exists() and not Variant.objects.exists()
    assert stored_files(settings) == []


def test_screens_are_reencoded_with_thumbnails(draft):
    prototype, by = draft
    variant = services.variant_add(
        prototype=prototype, by=by, name="Gallery", kind="screens", screen_files=[png_upload(size=(800, 600))]
    )
    (screen,) = variant.current_version.screens.all()
    assert (screen.width, screen.height) == (800, 600)
    with Image.open(screen.thumbnail.path) as thumb:
        assert max(thumb.size) == 320


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://www.youtube.com/watch?v=abc", True),
        ("https://vimeo.com/123", True),
        ("http://www.youtube.com/watch?v=abc", False),
        ("javascript:alert(1)", False),
        ("https://evil.example.com/video", False),
        ("https://user:pw@youtube.com/x", False),
        ("https://youtube.com:8443/x", False),
    ],
)
def test_video_links_are_allow_listed_https(draft, url, ok):
    prototype, by = draft
    if ok:
        variant = services.variant_add(prototype=prototype, by=by, name="Film", kind="video", video_url=url)
        assert variant.current_version.video_url == url
    else:
        with pytest.raises(ValidationError):
            services.variant_add(prototype=prototype, by=by, name="Film", kind="video", video_url=url)
