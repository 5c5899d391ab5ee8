"""Uploaded pictures decoded in the background: idea images, avatars and prototype screens.

Decoding is the expensive part (a 25-megapixel picture is 100 MB as RGBA and about a second of CPU), so a
request only reads the header (cocreate.images.inspect_image), keeps the upload as it came in a row's
`source` and marks the row PROCESSING (`ProcessedImage.take_upload`); the owning app's task calls
`process(kind, pk)`, which decodes the source with the one validator (cocreate.images.check_image), lets
the kind make its files (`ImageKind.render`) and stores them, READY, under the row's lock.

Safe to run twice, or twice at once: only a PROCESSING row is worked on, and the outcome is written under
the row's lock only if it is still PROCESSING, so a second run that finds it done writes nothing.

A file that turns out not to be an image within the limits, or that Pillow cannot decode or re-encode for
any other reason, ends FAILED with the reason (never a crash loop). A storage or database error raises, so
the task is retried; the row stays PROCESSING. A task that was lost (a worker killed, a queue emptied)
is found by the sweep (`requeue_stale`, a periodic job of `run_scheduler`: operations.apps): rows still
PROCESSING IMAGE_PROCESSING_STALE_MINUTES after they were queued are queued again, and after
IMAGE_PROCESSING_MAX_ATTEMPTS queuings they are marked FAILED ("could not be processed").

The project package imports no app (docs/architecture.md): each app registers its kind from its
AppConfig.ready() with `register`.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .images import CheckedImage, ImageHeader, check_image, inspect_image

log = logging.getLogger(__name__)


def upload_name(instance, filename):
    """A name nobody can guess: the upload as it came (metadata and all) waits here until processed."""
    return f"{instance._meta.app_label}/uploads/{uuid.uuid4().hex}"


class ProcessedImage(models.Model):
    """A picture uploaded as it came (`source`), PROCESSING until a background task decoded it; then
    READY (the kind's files written, `source` dropped) or FAILED with the reason its uploader reads."""

    class Status(models.TextChoices):
        PROCESSING = "processing", gettext_lazy("Processing")
        READY = "ready", gettext_lazy("Ready")
        FAILED = "failed", gettext_lazy("Failed")

    source = models.FileField(upload_to=upload_name, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    failure = models.CharField(max_length=300, blank=True)  # why it failed, for the uploader
    # When the decoding was last queued, and how often: the sweep's clock and its limit.
    queued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        # The sweep's question, every few minutes, answered from the few rows still PROCESSING.
        indexes = [
            models.Index(fields=["queued_at"], condition=Q(status="processing"), name="%(class)s_processing")
        ]

    def take_upload(self, upload) -> ImageHeader:
        """Check the upload's header (ValidationError naming the file) and keep it as the source, marked
        PROCESSING; decodes nothing. The caller saves the row and queues the kind's task."""
        header = inspect_image(upload)
        upload.seek(0)
        self.source.save("upload", upload, save=False)
        self.status, self.failure = self.Status.PROCESSING, ""
        self.queued_at, self.attempts = timezone.now(), 1
        return header


@dataclass(frozen=True)
class Stored:
    """What `ImageKind.store` did: the fields of the row to save, the files it wrote (deleted again if the
    save fails) and the files it replaced (deleted after the commit)."""

    fields: list[str]
    written: list[str]
    replaced: list[str]


def store_on_row(row: ProcessedImage, rendered: dict) -> Stored:
    """The usual `store`: each ContentFile is saved into the row's file field of that name, other values
    are set as they are (a screen's width and height)."""
    written, replaced = [], []
    for name, value in rendered.items():
        if isinstance(value, File):
            field = getattr(row, name)
            if field:
                replaced.append(field.name)
            field.save(value.name, value, save=False)
            written.append(field.name)
        else:
            setattr(row, name, value)
    return Stored(fields=list(rendered), written=written, replaced=replaced)


@dataclass(frozen=True)
class ImageKind:
    name: str  # "idea images": the log's and the sweep's word for them
    model: type[ProcessedImage]
    # The decoded picture made into the files (and values) to store, by field name; runs outside any lock.
    render: Callable[[ProcessedImage, CheckedImage], dict]
    # Writes what `render` made, inside the transaction that holds the row's lock.
    store: Callable[[ProcessedImage, dict], Stored] = store_on_row


@dataclass(frozen=True)
class Registered:
    kind: ImageKind
    requeue: Callable[[list[int]], object]  # queues the app's task for these row ids


KINDS: dict[str, Registered] = {}


def register(kind: ImageKind, *, requeue: Callable[[list[int]], object]) -> None:
    """Let the sweep find this kind's rows left PROCESSING and queue them again with `requeue(ids)`;
    registering a name again replaces it."""
    KINDS[kind.name] = Registered(kind=kind, requeue=requeue)


def lost_upload_message() -> str:
    return _("The uploaded file was lost; upload the image again.")


def undecodable_message() -> str:
    return _("The image could not be processed; upload it again, perhaps saved in another format.")


def process(kind: ImageKind, pk: int) -> str:
    """Decode one PROCESSING row's source and store the kind's files; returns its status afterwards
    ("gone" when there is no such row)."""
    row = kind.model.objects.filter(pk=pk).first()
    if row is None or row.status != ProcessedImage.Status.PROCESSING:
        return row.status if row else "gone"
    if not row.source:
        return _finish(kind, pk, failure=lost_upload_message())
    try:
        with row.source.open("rb") as source:
            upload = ContentFile(source.read())  # nameless: the messages then say "image", not a uuid
    except FileNotFoundError:
        return _finish(kind, pk, failure=lost_upload_message())
    try:
        checked = check_image(upload)
        try:
            rendered = kind.render(row, checked)
        finally:
            checked.image.close()
    except ValidationError as refused:
        if refused.code == "not_image":  # the header was fine (the request checked it); the pixels are not
            return _finish(kind, pk, failure=undecodable_message())
        return _finish(kind, pk, failure=" ".join(refused.messages))  # a limit, lowered since the upload
    except Exception:
        # A file that passed the header check but breaks a decoder or encoder in some other way: the same
        # bytes break it on every run, so retrying would only loop. The log keeps the traceback.
        log.exception("%s %s could not be decoded", kind.name, pk)
        return _finish(kind, pk, failure=undecodable_message())
    return _finish(kind, pk, rendered=rendered)


def _finish(kind: ImageKind, pk: int, *, rendered: dict | None = None, failure: str = "") -> str:
    """Write the outcome if the row is still PROCESSING (under its row lock); else leave it be."""
    storage = kind.model._meta.get_field("source").storage
    stored = Stored(fields=[], written=[], replaced=[])
    with transaction.atomic():
        row = kind.model.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.status != ProcessedImage.Status.PROCESSING:
            return row.status if row else "gone"  # another run finished it first
        source_name = row.source.name
        if failure:
            row.status, row.failure = ProcessedImage.Status.FAILED, failure[:300]
        else:
            stored = kind.store(row, rendered)
            row.status = ProcessedImage.Status.READY
        row.source = ""
        try:
            row.save(update_fields=[*stored.fields, "source", "status", "failure"])
        except Exception:
            _delete_files(storage, stored.written)  # the row is unchanged: the files made for it go too
            raise
        # The original (with its metadata) and what the new files replace go once the row has committed.
        delete_files_on_commit(storage, [source_name, *stored.replaced])
    log.info("%s %s: %s", kind.name, pk, row.status)
    return row.status


def _delete_files(storage, names) -> None:
    for name in names:
        if name:
            storage.delete(name)


def delete_files_on_commit(storage, names) -> None:
    """Delete files once the transaction that stopped using them commits. Robust, and a named function
    (Django logs a failing robust callback by its __qualname__): a file that cannot be deleted is logged,
    and never fails the request or task that committed."""

    def delete_replaced_image_files():
        _delete_files(storage, names)

    transaction.on_commit(delete_replaced_image_files, robust=True)


def _stale(kind: ImageKind, now):
    cutoff = now - timedelta(minutes=settings.IMAGE_PROCESSING_STALE_MINUTES)
    return kind.model.objects.filter(status=ProcessedImage.Status.PROCESSING).filter(
        Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True)
    )


def any_stale() -> bool:
    """Whether the sweep has anything to do (the scheduler asks before queuing it)."""
    now = timezone.now()
    return any(_stale(registered.kind, now).exists() for registered in KINDS.values())


def requeue_stale() -> dict[str, int]:
    """Queue again the decoding of rows still PROCESSING long after it was queued (its task was lost);
    rows queued IMAGE_PROCESSING_MAX_ATTEMPTS times already are marked FAILED instead. Returns how many
    rows of each kind were queued again. Safe to run twice: a row queued again has a fresh `queued_at`,
    so the next sweep leaves it alone, and its task is itself safe to run twice."""
    now = timezone.now()
    requeued = {}
    for registered in KINDS.values():
        kind = registered.kind
        given_up = _stale(kind, now).filter(attempts__gte=settings.IMAGE_PROCESSING_MAX_ATTEMPTS)
        for pk in given_up.values_list("pk", flat=True):
            _finish(kind, pk, failure=undecodable_message())
        with transaction.atomic():
            ids = list(_stale(kind, now).select_for_update().values_list("pk", flat=True))
            kind.model.objects.filter(pk__in=ids).update(queued_at=now, attempts=F("attempts") + 1)
        if ids:
            log.warning("Queuing %d %s again: their decoding was lost", len(ids), kind.name)
            registered.requeue(ids)
        requeued[kind.name] = len(ids)
    return requeued
