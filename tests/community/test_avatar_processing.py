"""Avatars are decoded in the background (community.tasks): the profile is saved at once with the upload
kept as it came, the member keeps their old avatar (or their initial) meanwhile, and the task (safe to
run twice) makes the 256×256 PNG or says why it could not."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks import default_task_backend
from PIL import Image, ImageFile

from community import avatars
from community.models import AvatarUpload, Member

from ..cocreate.test_image_processing import broken_png

pytestmark = pytest.mark.django_db
QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
PROFILE = {"display_name": "Alice Anders", "bio": "", "email_digest": "weekly"}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queued(settings):
    settings.TASKS = QUEUED
    return default_task_backend


def picture(size=(800, 600), fmt="PNG", color=(200, 30, 30), name="me.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def upload_avatar(client, upload):
    response = client.post("/members/me/", {**PROFILE, "avatar": upload})
    assert response.status_code == 302
    return AvatarUpload.objects.latest("pk")


def run_queued(backend):
    for result in list(backend.results):
        result.task.call(**result.kwargs)
    backend.clear()


def test_the_request_saves_the_upload_as_it_came_and_queues_the_decoding(
    alice_client, alice, queued, monkeypatch
):
    upload = picture(size=(2000, 1500))
    original = upload.read()
    upload.seek(0)
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size))
    pending = upload_avatar(alice_client, upload)
    assert decoded == []  # the request read the header only
    assert [(r.task.name, r.kwargs) for r in queued.results] == [
        ("process_avatars", {"upload_ids": [pending.pk]})
    ]
    assert pending.status == "processing" and pending.attempts == 1 and pending.queued_at
    with pending.source.open("rb") as stored:
        assert stored.read() == original  # not touched until the task runs
    alice.refresh_from_db()
    assert alice.display_name == "Alice Anders" and not alice.avatar  # the rest of the profile is saved


def test_the_pages_show_the_initial_until_the_task_has_run_then_the_avatar(
    alice_client, alice, client, bob, queued, django_capture_on_commit_callbacks
):
    pending = upload_avatar(alice_client, picture())
    edit = alice_client.get("/members/me/").content.decode()
    assert 'data-image-status="processing"' in edit and 'data-avatar="initial"' in edit
    # Nothing updates the page by itself: the member is told to reload, as for an idea's images.
    assert "Your new avatar is being processed. Reload the page in a moment to see it." in edit
    client.force_login(bob)
    public = client.get(alice.get_absolute_url()).content.decode()
    assert 'data-avatar="initial">A<' in public and "<img" not in public.split("profile-head")[1][:300]

    source = pending.source.path
    with django_capture_on_commit_callbacks(execute=True):
        assert avatars.process_avatar(pending.pk) == "ready"
    assert avatars.process_avatar(pending.pk) == "ready"  # a second run finds it done and writes nothing
    alice.refresh_from_db()
    pending.refresh_from_db()
    assert pending.status == "ready" and not pending.source
    assert not os.path.exists(source)  # the original, with its metadata, is gone
    with Image.open(alice.avatar.path) as stored:
        assert stored.size == (256, 256) and stored.format == "PNG"
    public = client.get(alice.get_absolute_url()).content.decode()
    assert alice.avatar.url in public and 'data-avatar="initial"' not in public
    assert "data-image-status" not in alice_client.get("/members/me/").content.decode()


def test_the_old_avatar_stays_until_the_new_one_is_ready(
    alice_client, alice, queued, django_capture_on_commit_callbacks
):
    upload_avatar(alice_client, picture(color=(0, 0, 255)))
    run_queued(queued)
    alice.refresh_from_db()
    old_name, old_path = alice.avatar.name, alice.avatar.path
    pending = upload_avatar(alice_client, picture(color=(0, 255, 0)))
    alice.refresh_from_db()
    assert alice.avatar.name == old_name
    assert alice.avatar.url in alice_client.get(alice.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        run_queued(queued)
    alice.refresh_from_db()
    assert alice.avatar.name != old_name and not os.path.exists(old_path)
    with Image.open(alice.avatar.path) as stored:
        assert stored.convert("RGB").getpixel((128, 128)) == (0, 255, 0)
    pending.refresh_from_db()
    assert pending.status == "ready"


def test_a_newer_upload_or_removing_the_avatar_supersedes_the_one_waiting(alice_client, alice, queued):
    first = upload_avatar(alice_client, picture(color=(255, 0, 0)))
    second = upload_avatar(alice_client, picture(color=(0, 0, 255)))
    first.refresh_from_db()
    assert first.status == "failed" and "newer picture" in first.failure and not first.source
    assert avatars.process_avatar(first.pk) == "failed"  # its task, still queued, writes nothing
    assert avatars.process_avatar(second.pk) == "ready"
    alice.refresh_from_db()
    with Image.open(alice.avatar.path) as stored:
        assert stored.convert("RGB").getpixel((128, 128)) == (0, 0, 255)

    third = upload_avatar(alice_client, picture())
    alice_client.post("/members/me/", {**PROFILE, "remove_avatar": "on"})
    third.refresh_from_db()
    alice.refresh_from_db()
    assert third.status == "failed" and not alice.avatar
    assert avatars.process_avatar(third.pk) == "failed" and not Member.objects.get(pk=alice.pk).avatar


def test_an_avatar_that_cannot_be_decoded_says_so_to_its_member_only(
    alice_client, alice, client, bob, queued
):
    pending = upload_avatar(alice_client, broken_png())
    assert avatars.process_avatar(pending.pk) == "failed"
    pending.refresh_from_db()
    assert pending.failure.startswith("The image could not be processed") and not pending.source
    edit = alice_client.get("/members/me/").content.decode()
    assert 'data-image-status="failed"' in edit and "could not be processed" in edit
    client.force_login(bob)
    public = client.get(alice.get_absolute_url()).content.decode()
    assert 'data-avatar="initial"' in public and "could not be processed" not in public


def test_deleting_the_account_takes_the_waiting_upload_with_it(alice_client, alice, queued):
    from community.services import member_delete_account

    pending = upload_avatar(alice_client, picture())
    source = pending.source.path
    member_delete_account(member=alice)
    assert not AvatarUpload.objects.exists() and not os.path.exists(source)
    run_queued(queued)  # the queued task finds nothing to do
    alice.refresh_from_db()
    assert not alice.avatar


def test_only_the_member_changes_their_avatar(client):
    response = client.post("/members/me/", {**PROFILE, "avatar": picture()})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not AvatarUpload.objects.exists()
