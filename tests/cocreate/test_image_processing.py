"""The one background pipeline of uploaded pictures (cocreate.image_processing): a picture that passes the
header check but cannot be decoded ends FAILED with a reason (never a crash loop), and the scheduler's
sweep queues again the pictures whose task was lost, for every kind the apps registered."""

import io
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend
from PIL import Image

from cocreate import image_processing
from cocreate.images import inspect_image
from community.models import AvatarUpload
from community.services import avatar_upload
from ideas import images as idea_images
from ideas.models import IdeaImage
from operations import scheduler
from operations.tasks import requeue_stale_images
from prototypes.models import Screen

from ..factories import MemberFactory, make_idea
from ..prototypes.helpers import make_prototype, png_upload

pytestmark = pytest.mark.django_db
QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _queued(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = QUEUED  # tasks wait in a list: each test runs them when it wants


def queued() -> list[tuple[str, dict]]:
    return [(result.task.name, result.kwargs) for result in default_task_backend.results]


def broken_png(name="broken.png") -> SimpleUploadedFile:
    """A PNG whose header and chunk checksums are right, but whose pixel data is not a zlib stream."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(buffer, "PNG")
    data = buffer.getvalue()
    at = data.index(b"IDAT")
    length = struct.unpack(">I", data[at - 4 : at])[0]
    chunk = b"IDAT" + b"\x78\x9c" + b"\xff" * (length - 2)
    data = data[: at - 4] + struct.pack(">I", length) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data += buffer.getvalue()[at + 4 + length + 4 :]
    return SimpleUploadedFile(name, data, content_type="image/png")


def idea_image(upload=None) -> IdeaImage:
    return make_idea(images=[upload or png_upload()]).images.get()


def test_a_picture_that_passes_the_header_check_but_cannot_be_decoded_fails_once_with_a_reason():
    upload = broken_png()
    assert inspect_image(upload).width == 40  # the request's check lets it through
    attachment = idea_image(broken_png())
    assert idea_images.process_image(attachment.pk) == "failed"
    assert idea_images.process_image(attachment.pk) == "failed"  # a second run changes nothing
    attachment.refresh_from_db()
    assert attachment.failure.startswith("The image could not be processed")
    assert not attachment.source and not attachment.image


def test_a_decoder_crash_of_any_other_kind_ends_failed_not_in_a_retry_loop():
    attachment = idea_image()

    def crash(row, checked):
        raise struct.error("unpack requires a buffer of 4 bytes")  # what a broken decoder may raise

    kind = image_processing.ImageKind(name="idea images", model=IdeaImage, render=crash)
    assert image_processing.process(kind, attachment.pk) == "failed"
    attachment.refresh_from_db()
    assert attachment.status == "failed" and "could not be processed" in attachment.failure


def test_every_app_registers_its_pictures_with_the_sweep():
    assert {name: registered.kind.model for name, registered in image_processing.KINDS.items()} == {
        "idea images": IdeaImage,
        "avatars": AvatarUpload,
        "prototype screens": Screen,
    }


def age(row, minutes):
    type(row).objects.filter(pk=row.pk).update(queued_at=timezone.now() - timedelta(minutes=minutes))


def test_the_sweep_queues_again_what_was_left_processing_and_then_gives_up(settings):
    settings.IMAGE_PROCESSING_STALE_MINUTES = 15
    settings.IMAGE_PROCESSING_MAX_ATTEMPTS = 3
    stale_image, fresh_image = idea_image(), idea_image()
    avatar = avatar_upload(member=MemberFactory(), upload=png_upload("me.png"))
    screen = make_prototype(variants=("Classic",), publish=False).variants.get().current_version.screens.get()
    done = idea_image()
    idea_images.process_image(done.pk)
    for row in (stale_image, avatar, screen, done):
        age(row, 20)
    age(fresh_image, 5)
    default_task_backend.clear()

    assert image_processing.any_stale()
    assert requeue_stale_images.call() == {"idea images": 1, "avatars": 1, "prototype screens": 1}
    assert sorted(queued()) == [
        ("process_avatars", {"upload_ids": [avatar.pk]}),
        ("process_idea_images", {"image_ids": [stale_image.pk]}),
        ("process_screens", {"screen_ids": [screen.pk]}),
    ]
    stale_image.refresh_from_db()
    assert stale_image.attempts == 2 and stale_image.queued_at > timezone.now() - timedelta(minutes=1)
    # Safe to run twice: what was just queued again is not stale any more.
    assert not image_processing.any_stale()
    assert requeue_stale_images.call() == {"idea images": 0, "avatars": 0, "prototype screens": 0}

    # Queued three times and still not done (a picture that kills its worker): it is given up.
    age(stale_image, 20)
    assert requeue_stale_images.call()["idea images"] == 1
    age(stale_image, 20)
    assert requeue_stale_images.call()["idea images"] == 0
    stale_image.refresh_from_db()
    assert stale_image.status == "failed" and "could not be processed" in stale_image.failure
    assert not stale_image.source

    # What the sweep queued does its work when the worker runs it.
    (avatar_task,) = [r for r in default_task_backend.results if r.task.name == "process_avatars"]
    assert avatar_task.task.call(**avatar_task.kwargs) == {str(avatar.pk): "ready"}


def test_the_scheduler_queues_the_sweep_only_while_pictures_are_stale(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    job = scheduler.JOBS["operations.requeue_stale_images"]
    assert job.every == timedelta(minutes=settings.IMAGE_PROCESSING_SWEEP_MINUTES)
    now = timezone.now()
    assert not scheduler.run_if_due(job, now)  # nothing stale: no empty task
    attachment = idea_image()
    age(attachment, settings.IMAGE_PROCESSING_STALE_MINUTES + 1)
    assert scheduler.run_if_due(job, now + job.every)
    sweep = DBTaskResult.objects.get(task_path="operations.tasks.requeue_stale_images")
    assert sweep.task.call() == {"idea images": 1, "avatars": 0, "prototype screens": 0}


@pytest.mark.django_db(transaction=True)
def test_a_file_that_cannot_be_deleted_after_the_commit_is_logged_and_raises_nothing(caplog):
    """Effects after a commit never fail the request or task that committed (issue 17)."""

    class Undeletable:
        def delete(self, name):
            raise PermissionError(f"cannot delete {name}")

    with caplog.at_level("ERROR"), transaction.atomic():
        image_processing.delete_files_on_commit(Undeletable(), ["avatars/uploads/x"])
    assert "delete_replaced_image_files" in caplog.text and "cannot delete avatars/uploads/x" in caplog.text
