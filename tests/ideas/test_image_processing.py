"""Idea images are decoded in the background (ideas.tasks): the post is saved at once with its images
PROCESSING, the page says so, and the task (safe to run twice) makes them READY or FAILED with a reason."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from ideas import images
from ideas.models import Idea, IdeaImage

pytestmark = pytest.mark.django_db
QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def png(size=(1200, 900), name="sketch.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def post(client, *uploads):
    response = client.post("/ideas/new/", {"title": "With sketches", "body": "See", "images": list(uploads)})
    assert response.status_code == 302
    return Idea.objects.get()


def test_with_the_immediate_backend_the_images_are_ready_when_the_post_returns(alice_client):
    idea = post(alice_client, png())
    attachment = idea.images.get()
    assert attachment.status == "ready" and not attachment.source
    with Image.open(attachment.thumbnail.path) as thumb:
        assert max(thumb.size) == 320


def test_queued_images_show_as_processing_until_the_task_has_run(
    alice_client, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = QUEUED
    idea = post(alice_client, png(), png(size=(20, 20), name="small.png"))
    first, second = idea.images.all()
    assert first.status == second.status == "processing" and first.source and not first.image
    source_path = first.source.path
    page = alice_client.get(idea.get_absolute_url()).content.decode()
    assert page.count('data-image-status="processing"') == 2 and "<img" not in page.split("gallery")[1][:200]
    # Nothing replaces it by itself (no live update for images): the page says how to see it.
    assert "Image 1 is being processed. Reload the page in a moment to see it." in page

    with django_capture_on_commit_callbacks(execute=True):  # the source goes once the row has committed
        assert images.process_image(first.pk) == "ready"
    assert images.process_image(first.pk) == "ready"  # a second run finds it done and writes nothing
    first.refresh_from_db()
    assert first.status == "ready" and not first.source and first.image and first.thumbnail
    assert not __import__("os").path.exists(source_path)  # the original, with its metadata, is gone
    page = alice_client.get(idea.get_absolute_url()).content.decode()
    assert first.thumbnail.url in page and page.count('data-image-status="processing"') == 1


def test_an_image_that_cannot_be_decoded_fails_with_a_reason_its_author_reads(alice_client, bob, settings):
    settings.TASKS = QUEUED
    idea = post(alice_client, png())
    attachment = idea.images.get()
    settings.IMAGE_UPLOAD_MAX_PIXELS = 1000  # the limit changed while it waited in the queue
    assert images.process_image(attachment.pk) == "failed"
    attachment.refresh_from_db()
    assert "1200×900 pixels" in attachment.failure and not attachment.source and not attachment.image
    page = alice_client.get(idea.get_absolute_url()).content.decode()
    assert 'data-image-status="failed"' in page and "1200×900 pixels" in page
    alice_client.force_login(bob)
    assert 'data-image-status="failed"' not in alice_client.get(idea.get_absolute_url()).content.decode()


def test_a_missing_upload_or_image_row_does_not_raise(alice_client, settings):
    settings.TASKS = QUEUED
    idea = post(alice_client, png())
    attachment = idea.images.get()
    attachment.source.storage.delete(attachment.source.name)
    assert images.process_image(attachment.pk) == "failed"
    assert images.process_image(987654) == "gone"


def test_the_request_reads_only_the_header(alice_client, settings, monkeypatch):
    """However many pixels a picture has, the request decodes none of them."""
    settings.TASKS = QUEUED
    upload = png(size=(2000, 1500))
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    post(alice_client, upload)
    assert decoded == [] and IdeaImage.objects.get().status == "processing"
