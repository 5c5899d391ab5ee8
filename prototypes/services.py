"""Every way prototype data is written. Views and commands call these; nothing else writes."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions
from community.models import Segment
from ideas.models import Follow, TopicFollow, Visibility
from notifications.models import Notification
from notifications.services import notify_on_commit

from . import bundles, screens, signals, tasks
from .limits import limit
from .models import (
    BetaQuota,
    BetaSignup,
    Comparison,
    Pin,
    Prototype,
    Rating,
    Screen,
    SurveyAnswer,
    SurveyQuestion,
    Variant,
    VariantVersion,
)


def _require_publisher(user):
    if not permissions.may_publish_prototypes(user):
        raise PermissionDenied(_("Only R&D can publish prototypes."))


def _require_open(prototype: Prototype):
    if not prototype.is_open():
        raise ValidationError(_("This prototype is not open for feedback."))


# --- R&D: publishing ---------------------------------------------------------------------------------


@transaction.atomic
def prototype_create(
    *,
    created_by,
    title: str,
    description: str = "",
    product=None,
    stage: str = Prototype.Stage.CONCEPT,
    opens_at=None,
    closes_at=None,
    beta_seats: int = 0,
    target_segments=(),
    linked_ideas=(),
) -> Prototype:
    """A new draft prototype; it has no variants yet and customers do not see it until published."""
    _require_publisher(created_by)
    prototype = Prototype(
        title=" ".join((title or "").split()),
        description=description,
        product=product,
        stage=stage,
        opens_at=opens_at or timezone.now(),
        closes_at=closes_at,
        beta_seats=beta_seats,
        created_by=created_by,
    )
    prototype.full_clean()
    if prototype.closes_at and prototype.closes_at <= prototype.opens_at:
        raise ValidationError({"closes_at": _("A prototype must close after it opens.")})
    prototype.save()
    prototype.target_segments.set(list(target_segments))
    prototype.linked_ideas.set(list(linked_ideas))
    signals.prototype_changed.send(sender=Prototype, prototype_id=prototype.pk)
    return prototype


@transaction.atomic
def prototype_publish(*, prototype: Prototype, by) -> Prototype:
    """Show a prototype to customers; it needs at least one variant with content."""
    _require_publisher(by)
    if not prototype.variants.filter(current_version__isnull=False).exists():
        raise ValidationError(_("Add at least one variant before publishing."))
    # The row lock makes "published for the first time" true for one of two simultaneous publishes.
    first_time = (
        Prototype.objects.select_for_update().get(pk=prototype.pk).status != Prototype.Status.PUBLISHED
    )
    prototype.status = Prototype.Status.PUBLISHED
    prototype.save(update_fields=["status"])
    signals.prototype_changed.send(sender=Prototype, prototype_id=prototype.pk)
    if first_time:
        notify_on_commit(
            member_ids=prototype_follower_ids(prototype),
            kind=Notification.Kind.NEW_PROTOTYPE,
            idea_id=None,
            actor_id=by.pk,
            message=lambda: _("New prototype to try: “%(title)s”") % {"title": prototype.title},
            url=prototype.get_absolute_url(),
        )
    return prototype


def prototype_follower_ids(prototype: Prototype) -> list[int]:
    """Members who follow the prototype's product or one of the ideas it was built for, each once: one
    query (a UNION of the two follow tables)."""
    by_idea = Follow.objects.filter(idea__in=prototype.linked_ideas.values("pk")).values_list(
        "member_id", flat=True
    )
    if prototype.product_id is None:
        return sorted(set(by_idea))
    by_product = TopicFollow.objects.filter(product_id=prototype.product_id).values_list(
        "member_id", flat=True
    )
    return sorted(set(by_idea.union(by_product)))


def _version_content(kind, *, video_url, screen_files, bundle_file):
    """Validate everything an upload brings before any row or file is written."""
    if kind == Variant.Kind.VIDEO:
        return {"video_url": screens.check_video_url(video_url)}, [], None
    if kind == Variant.Kind.BUNDLE:
        if bundle_file is None:
            raise ValidationError(_("Upload the bundle as a zip file."))
        info = bundles.validate_bundle(bundle_file)
        return {"bundle_entry": info.entry}, [], bundle_file
    screen_files = list(screen_files or [])
    if not screen_files:
        raise ValidationError(_("Upload at least one screen image."))
    if len(screen_files) > limit("SCREENS_PER_VERSION"):
        raise ValidationError(
            _("Upload at most %(limit)d screens per version.") % {"limit": limit("SCREENS_PER_VERSION")}
        )
    for upload in screen_files:
        screens.check_screen(upload)  # the header only (decoding is a background task); names the file
    return {}, screen_files, None


def _store_version(variant, number, notes, fields, screen_files, bundle_file) -> VariantVersion:
    """Store a version; its screens are kept as uploaded, PROCESSING, and their decoding is queued in the
    same transaction (prototypes.tasks), so the task commits with the rows or not at all."""
    version = VariantVersion(variant=variant, number=number, notes=notes, **fields)
    if bundle_file is not None:
        version.bundle.save("bundle.zip", bundle_file, save=False)
    version.save()
    screen_ids = []
    for position, upload in enumerate(screen_files):
        screen = Screen(version=version, position=position)
        header = screen.take_upload(upload)
        screen.width, screen.height = header.width, header.height  # the layout, before it is decoded
        screen.save()
        screen_ids.append(screen.pk)
    if screen_ids:
        tasks.process_screens.enqueue(screen_ids=screen_ids)
    variant.current_version = version
    variant.save(update_fields=["current_version"])
    return version


def variant_add(
    *,
    prototype: Prototype,
    by,
    name: str,
    kind: str,
    description: str = "",
    video_url: str = "",
    screen_files=(),
    bundle_file=None,
    notes: str = "",
) -> Variant:
    """A new variant with its first version. Uploads are validated completely first: a refused upload
    stores nothing."""
    _require_publisher(by)
    if kind not in Variant.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of variant.")})
    fields, screen_files, bundle = _version_content(
        kind, video_url=video_url, screen_files=screen_files, bundle_file=bundle_file
    )
    with transaction.atomic():
        Prototype.objects.select_for_update().get(pk=prototype.pk)
        name = " ".join((name or "").split())
        if not name:
            raise ValidationError({"name": _("Name the variant.")})
        if prototype.variants.filter(name=name).exists():
            raise ValidationError({"name": _("This prototype already has a variant with that name.")})
        position = (prototype.variants.aggregate(top=Max("position"))["top"] or 0) + 1
        variant = Variant.objects.create(
            prototype=prototype, name=name, kind=kind, description=description, position=position
        )
        _store_version(variant, 1, notes, fields, screen_files, bundle)
        signals.prototype_changed.send(sender=Prototype, prototype_id=prototype.pk)
    return variant


def variant_version_add(
    *, variant: Variant, by, notes: str = "", video_url: str = "", screen_files=(), bundle_file=None
) -> VariantVersion:
    """A new version of a variant. The old versions stay, with their ratings and pins; customers now see
    and rate the new one. The variant row is locked so two uploads cannot take the same number."""
    _require_publisher(by)
    fields, screen_files, bundle = _version_content(
        variant.kind, video_url=video_url, screen_files=screen_files, bundle_file=bundle_file
    )
    with transaction.atomic():
        variant = Variant.objects.select_for_update().get(pk=variant.pk)
        number = (variant.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        return _store_version(variant, number, notes, fields, screen_files, bundle)


@transaction.atomic
def survey_question_add(
    *, prototype: Prototype, by, text: str, kind: str, choices: str = ""
) -> SurveyQuestion:
    _require_publisher(by)
    question = SurveyQuestion(prototype=prototype, text=(text or "").strip(), kind=kind, choices=choices)
    question.full_clean(exclude=["prototype"])
    if kind == SurveyQuestion.Kind.CHOICE and len(question.choice_list) < 2:
        raise ValidationError({"choices": _("A choice question needs at least two choices, one per line.")})
    question.position = (prototype.questions.aggregate(top=Max("position"))["top"] or 0) + 1
    question.save()
    return question


@transaction.atomic
def beta_quota_set(*, prototype: Prototype, by, segment: Segment, seats: int) -> BetaQuota:
    _require_publisher(by)
    quota, _created = BetaQuota.objects.update_or_create(
        prototype=prototype, segment=segment, defaults={"seats": seats}
    )
    return quota


# --- Customers: feedback -----------------------------------------------------------------------------


def rating_save(*, member, version: VariantVersion, score: int, would_use: bool) -> Rating:
    """Rate a version of a variant 1–5 with "would you use it?"; rating again replaces the earlier answer.

    One rating per member per version is a database constraint; a concurrent double submit updates.
    """
    _require_open(version.variant.prototype)
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": _("Choose a rating from 1 to 5.")})
    for _attempt in range(2):
        try:
            with transaction.atomic():
                rating, _created = Rating.objects.update_or_create(
                    member=member, version=version, defaults={"score": score, "would_use": bool(would_use)}
                )
                return rating
        except IntegrityError:
            continue  # the other request created it first: update that row
    raise ValidationError(_("Your rating could not be saved; try again."))


def comparison_record(*, member, prototype: Prototype, winner: Variant, loser: Variant) -> Comparison:
    """Record which of two variants a member prefers; choosing again for the same pair changes the answer."""
    _require_open(prototype)
    if winner.pk == loser.pk:
        raise ValidationError(_("Compare two different variants."))
    if winner.prototype_id != prototype.pk or loser.prototype_id != prototype.pk:
        raise ValidationError(_("Both variants must belong to this prototype."))
    low, high = sorted((winner.pk, loser.pk))
    for _attempt in range(2):
        try:
            with transaction.atomic():
                comparison, _created = Comparison.objects.update_or_create(
                    member=member,
                    variant_low_id=low,
                    variant_high_id=high,
                    defaults={"winner": winner, "prototype": prototype},
                )
                return comparison
        except IntegrityError:
            continue
    raise ValidationError(_("Your choice could not be saved; try again."))


def _clean_answer(question: SurveyQuestion, raw) -> dict | None:
    raw = "" if raw is None else str(raw).strip()
    if not raw:
        return None
    if question.kind == SurveyQuestion.Kind.SCALE:
        if raw not in {"1", "2", "3", "4", "5"}:
            raise ValidationError({f"q{question.pk}": _("Answer on the scale from 1 to 5.")})
        return {"scale_value": int(raw), "choice": "", "text": ""}
    if question.kind == SurveyQuestion.Kind.CHOICE:
        if raw not in question.choice_list:
            raise ValidationError({f"q{question.pk}": _("Pick one of the offered choices.")})
        return {"scale_value": None, "choice": raw, "text": ""}
    if len(raw) > 2000:
        raise ValidationError({f"q{question.pk}": _("Keep your answer under 2,000 characters.")})
    return {"scale_value": None, "choice": "", "text": raw}


@transaction.atomic
def survey_submit(*, member, prototype: Prototype, answers: dict) -> list[SurveyAnswer]:
    """Answer a prototype's survey: {question id: raw answer}. Blank answers are skipped; answering again
    replaces earlier answers. Every answer is checked before any is saved."""
    _require_open(prototype)
    questions = {q.pk: q for q in prototype.questions.all()}
    unknown = set(answers) - set(questions)
    if unknown:
        raise ValidationError(_("That question is not part of this survey."))
    cleaned = {pk: _clean_answer(questions[pk], raw) for pk, raw in answers.items()}
    if not any(cleaned.values()):
        raise ValidationError(_("Answer at least one question."))
    saved = []
    for pk, values in cleaned.items():
        if values is None:
            continue
        answer, _created = SurveyAnswer.objects.update_or_create(
            member=member, question=questions[pk], defaults=values
        )
        saved.append(answer)
    return saved


def _coordinate(value, name) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(
            {name: _("Point at the screen: coordinates are numbers from 0 to 1.")}
        ) from None
    if not (0.0 <= number <= 1.0):  # also refuses NaN
        raise ValidationError({name: _("The point must lie on the screen (coordinates from 0 to 1).")})
    return number


def _clean_pin_body(body: str) -> str:
    """The one rule for a pin's text, as posted and as a moderator edits it."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your comment before pinning it.")})
    if len(body) > Pin._meta.get_field("body").max_length:
        raise ValidationError({"body": _("Keep your comment under 2,000 characters.")})
    return body


@transaction.atomic
def pin_add(*, author, screen: Screen, body: str, x=None, y=None, parent: Pin | None = None) -> Pin:
    """Pin a comment to a point of a screen (x, y relative to its width and height), or reply to a pin."""
    _require_open(screen.version.variant.prototype)
    if screen.status != Screen.Status.READY:
        raise ValidationError(_("This screen is not shown yet: pin your comment once it is."))
    body = _clean_pin_body(body)
    if parent is not None:
        if parent.screen_id != screen.pk:
            raise ValidationError({"parent": _("You can only reply to a pin on the same screen.")})
        if parent.parent_id:
            parent = parent.parent  # replies stay one level deep, under the pin
        return Pin.objects.create(screen=screen, author=author, parent=parent, body=body)
    return Pin.objects.create(
        screen=screen, author=author, body=body, x=_coordinate(x, "x"), y=_coordinate(y, "y")
    )


def pin_update(*, pin: Pin, body: str) -> Pin:
    """A moderator rewrites a pin's text (the same rule as posting it). Locking: the caller holds the
    pin's row lock and records the audit entry in the same transaction (moderation.services)."""
    pin.body = _clean_pin_body(body)
    pin.save(update_fields=["body"])
    return pin


def pin_set_visibility(*, pin: Pin, visibility: str) -> Pin:
    """Show, hold or hide a pin (values as ideas.models.Visibility; moderation decides). Locking: as
    pin_update."""
    if visibility not in Visibility.values:
        raise ValueError(f"unknown visibility {visibility!r}")
    pin.visibility = visibility
    pin.save(update_fields=["visibility"])
    return pin


# --- Betas -------------------------------------------------------------------------------------------


def _quota_segment(member, prototype, quotas: dict) -> Segment | None:
    """The segment a member's seat counts against: the first (by name) of their segments with a quota."""
    for segment in member.segments.order_by("name"):
        if segment.pk in quotas:
            return segment
    return None


def _has_room(prototype, segment_id, quotas, seated_total, seated_by_segment) -> bool:
    if seated_total >= prototype.beta_seats:
        return False
    return segment_id not in quotas or seated_by_segment.get(segment_id, 0) < quotas[segment_id]


def _seat_counts(prototype):
    rows = BetaSignup.objects.filter(prototype=prototype, state=BetaSignup.State.SEATED).values_list(
        "segment_id", flat=True
    )
    by_segment: dict = {}
    total = 0
    for segment_id in rows:
        total += 1
        by_segment[segment_id] = by_segment.get(segment_id, 0) + 1
    return total, by_segment


@transaction.atomic
def beta_sign_up(*, member, prototype: Prototype) -> BetaSignup:
    """Join a prototype's beta: a seat if one is free (within the member's segment quota), else the
    waiting list. Locking rule: the prototype row is locked (SELECT … FOR UPDATE) before seats are counted,
    so concurrent sign-ups queue and never overbook."""
    prototype = Prototype.objects.select_for_update().get(pk=prototype.pk)
    _require_open(prototype)
    if prototype.beta_seats == 0:
        raise ValidationError(_("This prototype has no beta."))
    targets = set(prototype.target_segments.values_list("pk", flat=True))
    if targets and not targets & set(member.segments.values_list("pk", flat=True)):
        raise ValidationError(_("This beta is for members of its target segments."))
    existing = BetaSignup.objects.filter(prototype=prototype, member=member).first()
    if existing and existing.state != BetaSignup.State.WITHDRAWN:
        return existing
    quotas = dict(BetaQuota.objects.filter(prototype=prototype).values_list("segment_id", "seats"))
    segment = _quota_segment(member, prototype, quotas)
    total, by_segment = _seat_counts(prototype)
    state = (
        BetaSignup.State.SEATED
        if _has_room(prototype, segment.pk if segment else None, quotas, total, by_segment)
        else BetaSignup.State.WAITING
    )
    signup = existing or BetaSignup(prototype=prototype, member=member)
    signup.segment = segment
    signup.state = state
    signup.signed_up_at = timezone.now()
    signup.save()
    return signup


@transaction.atomic
def beta_withdraw(*, member, prototype: Prototype) -> BetaSignup | None:
    """Leave a beta (or its waiting list). A freed seat goes to the first waiting member who fits the
    quotas. Same locking rule as sign-up. Returns the promoted sign-up, if any."""
    prototype = Prototype.objects.select_for_update().get(pk=prototype.pk)
    signup = BetaSignup.objects.filter(prototype=prototype, member=member).first()
    if signup is None or signup.state == BetaSignup.State.WITHDRAWN:
        raise ValidationError(_("You are not signed up for this beta."))
    freed = signup.state == BetaSignup.State.SEATED
    signup.state = BetaSignup.State.WITHDRAWN
    signup.save(update_fields=["state"])
    if not freed:
        return None
    quotas = dict(BetaQuota.objects.filter(prototype=prototype).values_list("segment_id", "seats"))
    total, by_segment = _seat_counts(prototype)
    for waiting in BetaSignup.objects.filter(prototype=prototype, state=BetaSignup.State.WAITING):
        if _has_room(prototype, waiting.segment_id, quotas, total, by_segment):
            waiting.state = BetaSignup.State.SEATED
            waiting.save(update_fields=["state"])
            return waiting
    return None
