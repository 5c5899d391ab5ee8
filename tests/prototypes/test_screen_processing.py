"""Screens are decoded in the background (prototypes.tasks): the version is saved at once with its screens
PROCESSING (their size known from the header), the gallery says so, and the task (safe to run twice)
re-encodes each screen and makes its thumbnail, or marks it FAILED with the reason R&D reads."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks import default_task_backend
from PIL import Image, ImageFile

from prototypes import screens, services
from prototypes.models import Screen, Variant

from ..cocreate.test_image_processing import broken_png
from .helpers import make_prototype, png_upload, publisher

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return default_task_backend


def jpeg_upload(name="photo.jpg", size=(900, 700)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 60, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def add_gallery(*uploads, publish=True):
    by = publisher()
    prototype = make_prototype(by=by, variants=(), publish=False)
    variant = services.variant_add(
        prototype=prototype, by=by, name="Gallery", kind=Variant.Kind.SCREENS, screen_files=list(uploads)
    )
    if publish:
        services.prototype_publish(prototype=prototype, by=by)
    return prototype, list(variant.current_version.screens.all())


def test_the_upload_saves_the_screens_as_they_came_and_queues_their_decoding(queued, monkeypatch):
    upload = jpeg_upload(size=(2400, 1800))
    original = upload.read()
    upload.seek(0)
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    _prototype, (photo, small) = add_gallery(upload, png_upload())
    assert decoded == []  # the request read the headers only
    assert [(r.task.name, r.kwargs) for r in queued.results] == [
        ("process_screens", {"screen_ids": [photo.pk, small.pk]})
    ]
    assert photo.status == "processing" and not photo.image and not photo.thumbnail
    assert (photo.width, photo.height) == (2400, 1800)  # from the header: the gallery keeps its layout
    with photo.source.open("rb") as stored:
        assert stored.read() == original


def test_the_task_reencodes_each_screen_with_a_thumbnail_and_is_safe_to_run_twice(
    queued, django_capture_on_commit_callbacks
):
    _prototype, (photo, drawing) = add_gallery(jpeg_upload(), png_upload(size=(800, 600)))
    (task,) = queued.results
    with django_capture_on_commit_callbacks(execute=True):
        assert task.task.call(**task.kwargs) == {str(photo.pk): "ready", str(drawing.pk): "ready"}
    assert task.task.call(**task.kwargs) == {str(photo.pk): "ready", str(drawing.pk): "ready"}
    photo.refresh_from_db()
    drawing.refresh_from_db()
    assert not photo.source and photo.image.name.endswith(".jpg")
    with Image.open(photo.image.path) as image, Image.open(photo.thumbnail.path) as thumb:
        assert (image.format, image.size) == ("JPEG", (900, 700))
        assert thumb.format == "JPEG" and max(thumb.size) == 320
    with Image.open(drawing.image.path) as image, Image.open(drawing.thumbnail.path) as thumb:
        assert (image.format, image.size, thumb.size) == ("PNG", (800, 600), (320, 240))
    assert (drawing.width, drawing.height) == (800, 600)


def test_the_gallery_shows_processing_then_the_screen(client, alice, queued):
    prototype, (screen,) = add_gallery(png_upload())
    client.force_login(alice)
    page = client.get(prototype.get_absolute_url()).content.decode()
    assert 'data-image-status="processing"' in page and screen.get_image_url() not in page
    assert "Screen 1 is being processed. Reload the page in a moment to see it." in page
    assert 'id="pin-form-' not in page  # nothing to pin a comment on yet
    assert client.get(screen.get_image_url()).status_code == 404
    assert client.get(screen.get_thumbnail_url()).status_code == 404
    with pytest.raises(ValidationError, match="not shown yet"):
        services.pin_add(author=alice, screen=screen, body="Nice", x=0.5, y=0.5)

    assert screens.process_screen(screen.pk) == "ready"
    page = client.get(prototype.get_absolute_url()).content.decode()
    assert 'data-image-status="processing"' not in page and screen.get_image_url() in page
    response = client.get(screen.get_thumbnail_url())
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    screen.refresh_from_db()
    services.pin_add(author=alice, screen=screen, body="Nice", x=0.5, y=0.5)


def test_a_screen_that_cannot_be_decoded_fails_with_a_reason_only_rnd_reads(client, alice, rita, queued):
    prototype, (screen,) = add_gallery(broken_png("mock.png"))
    assert screens.process_screen(screen.pk) == "failed"
    screen.refresh_from_db()
    assert screen.failure.startswith("The image could not be processed") and not screen.source
    client.force_login(rita)
    page = client.get(prototype.get_absolute_url()).content.decode()
    assert 'data-image-status="failed"' in page and "could not be processed" in page
    client.force_login(alice)
    page = client.get(prototype.get_absolute_url()).content.decode()
    assert 'data-image-status="failed"' not in page and "could not be processed" not in page
    assert client.get(screen.get_image_url()).status_code == 404


def test_the_screen_of_a_draft_stays_hidden_from_customers(client, alice, queued):
    """Permissions unchanged: a processed screen of an unpublished prototype is not served to customers."""
    _prototype, (screen,) = add_gallery(png_upload(), publish=False)
    screens.process_screen(screen.pk)
    assert Screen.objects.get(pk=screen.pk).status == "ready"
    client.force_login(alice)
    assert client.get(screen.get_image_url()).status_code == 404
