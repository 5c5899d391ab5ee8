from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.image_processing import ProcessedImage

from .querysets import PrototypeQuerySet


class Prototype(models.Model):
    """Something R&D lets customers try before it ships: one or more variants, a survey and a beta."""

    class Stage(models.TextChoices):
        CONCEPT = "concept", _("Concept")
        ALPHA = "alpha", _("Alpha")
        BETA = "beta", _("Beta")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=140)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    product = models.ForeignKey(
        "products.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="prototypes"
    )
    target_segments = models.ManyToManyField(
        "community.Segment",
        related_name="prototypes",
        blank=True,
        help_text=_("When set, only members of these segments may join the beta."),
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.CONCEPT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("opens"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    linked_ideas = models.ManyToManyField("ideas.Idea", related_name="prototypes", blank=True)
    beta_seats = models.PositiveIntegerField(
        _("beta seats"), default=0, help_text=_("0: no beta for this prototype.")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PrototypeQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("prototype")
        verbose_name_plural = _("prototypes")
        permissions = [
            ("publish_prototype", "Can publish prototypes, their variants and surveys"),
            ("view_results", "Can see prototype results and export them"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="prototype_closes_after_opening",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("prototypes:detail", kwargs={"pk": self.pk})

    def is_open(self, now=None) -> bool:
        """Feedback and beta sign-ups are taken while published and between the open and close dates."""
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.opens_at <= now
            and (self.closes_at is None or now < self.closes_at)
        )


class Variant(models.Model):
    """One alternative of a prototype; what customers see is its latest version."""

    class Kind(models.TextChoices):
        SCREENS = "screens", _("Gallery of screens")
        VIDEO = "video", _("Video link")
        BUNDLE = "bundle", _("Interactive HTML bundle")

    prototype = models.ForeignKey(Prototype, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCREENS)
    position = models.PositiveIntegerField(default=0)
    # The newest version, kept here so pages need no "latest per group" query.
    current_version = models.ForeignKey(
        "prototypes.VariantVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prototype", "name"], name="variant_name_unique_per_prototype")
        ]

    def __str__(self):
        return f"{self.prototype}: {self.name}"


class VariantVersion(models.Model):
    """A version of a variant. New versions never replace old ones: their feedback stays with them."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    notes = models.CharField(_("what changed"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    # The uploaded zip, kept as uploaded after validation; files are served from it one by one.
    bundle = models.FileField(upload_to="prototypes/bundles/%Y/%m/", blank=True)
    bundle_entry = models.CharField(max_length=255, blank=True, help_text=_("The bundle's start page."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["variant", "number"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "number"], name="one_number_per_variant_version")
        ]

    def __str__(self):
        return f"{self.variant} v{self.number}"

    def get_bundle_url(self):
        return reverse("prototypes:bundle_file", kwargs={"pk": self.pk, "path": self.bundle_entry})


class Screen(ProcessedImage):
    """One image of a gallery version; feedback pins are placed on it.

    Uploaded with its version, PROCESSING (only its header was read: `width` and `height` are known, so
    the gallery keeps its layout) until a background task (prototypes.tasks, prototypes.screens)
    re-encodes `image` and makes `thumbnail`; then READY, or FAILED with the reason R&D reads.
    """

    version = models.ForeignKey(VariantVersion, on_delete=models.CASCADE, related_name="screens")
    image = models.ImageField(upload_to="prototypes/screens/%Y/%m/", blank=True)
    thumbnail = models.ImageField(upload_to="prototypes/thumbs/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(max_length=140, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta(ProcessedImage.Meta):
        ordering = ["position", "id"]

    def __str__(self):
        return self.caption or f"Screen {self.position + 1}"

    def get_image_url(self):
        return reverse("prototypes:screen_image", kwargs={"pk": self.pk})

    def get_thumbnail_url(self):
        return reverse("prototypes:screen_thumbnail", kwargs={"pk": self.pk})


class Rating(models.Model):
    """A member's 1–5 rating of one version of a variant; rating again updates it."""

    version = models.ForeignKey(VariantVersion, on_delete=models.CASCADE, related_name="ratings")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    would_use = models.BooleanField(_("would you use it?"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "version"], name="one_rating_per_member_per_version"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.score}/5 for {self.version}"


class Comparison(models.Model):
    """A member's choice between two variants; one per member per pair (stored with low id < high id)."""

    prototype = models.ForeignKey(Prototype, on_delete=models.CASCADE, related_name="comparisons")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    variant_low = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    variant_high = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    winner = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "variant_low", "variant_high"], name="one_comparison_per_member_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(variant_low__lt=models.F("variant_high")), name="pair_ordered"
            ),
            models.CheckConstraint(
                condition=Q(winner=models.F("variant_low")) | Q(winner=models.F("variant_high")),
                name="winner_is_in_pair",
            ),
        ]

    def __str__(self):
        return f"{self.winner_id} won {self.variant_low_id}–{self.variant_high_id}"

    @property
    def loser_id(self) -> int:
        return self.variant_high_id if self.winner_id == self.variant_low_id else self.variant_low_id


class SurveyQuestion(models.Model):
    class Kind(models.TextChoices):
        SCALE = "scale", _("Scale 1–5")
        CHOICE = "choice", _("One choice")
        TEXT = "text", _("Free text")

    prototype = models.ForeignKey(Prototype, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # One choice per line (choice questions only).
    choices = models.TextField(_("choices"), blank=True, help_text=_("One per line, for choice questions."))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class SurveyAnswer(models.Model):
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scale_value = models.PositiveSmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "question"], name="one_answer_per_member_per_question"),
            models.CheckConstraint(
                condition=Q(scale_value__isnull=True) | Q(scale_value__gte=1, scale_value__lte=5),
                name="survey_scale_1_to_5",
            ),
        ]

    def __str__(self):
        return f"Answer to {self.question_id}"


class Pin(models.Model):
    """Feedback pinned to a point of a screen (relative coordinates), or a reply to such a pin."""

    screen = models.ForeignKey(Screen, on_delete=models.CASCADE, related_name="pins")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # 0 ≤ x, y ≤ 1 from the screen's top-left corner; replies have none (they sit on their parent's point).
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    body = models.TextField(max_length=2000)
    # Moderators hide feedback instead of deleting it (values as ideas.models.Visibility).
    visibility = models.CharField(max_length=10, default="public")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(parent__isnull=True, x__gte=0, x__lte=1, y__gte=0, y__lte=1)
                    | Q(parent__isnull=False, x__isnull=True, y__isnull=True)
                ),
                name="pin_point_in_screen_or_reply",
            )
        ]

    def __str__(self):
        return f"Pin {self.pk} on screen {self.screen_id}"


class BetaQuota(models.Model):
    """At most `seats` beta seats go to members counted in this segment."""

    prototype = models.ForeignKey(Prototype, on_delete=models.CASCADE, related_name="beta_quotas")
    segment = models.ForeignKey("community.Segment", on_delete=models.CASCADE, related_name="+")
    seats = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prototype", "segment"], name="one_quota_per_segment")]

    def __str__(self):
        return f"{self.seats} seats for {self.segment_id}"


class BetaSignup(models.Model):
    class State(models.TextChoices):
        SEATED = "seated", _("Has a seat")
        WAITING = "waiting", _("On the waiting list")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    prototype = models.ForeignKey(Prototype, on_delete=models.CASCADE, related_name="beta_signups")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The segment whose quota the seat counts against (null: none of the member's segments has a quota).
    segment = models.ForeignKey(
        "community.Segment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices)
    # Waiting-list order: the time of the latest sign-up.
    signed_up_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_up_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prototype", "member"], name="one_beta_signup_per_member")
        ]
        indexes = [models.Index(fields=["prototype", "state", "signed_up_at"], name="beta_signup_queue")]

    def __str__(self):
        return f"{self.member_id} {self.state} for {self.prototype_id}"
