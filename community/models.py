from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cocreate.image_processing import ProcessedImage


class Member(AbstractUser):
    """Everyone with an account: customers, R&D, customer managers, moderators, administrators.

    Roles are groups (community.roles); `is_staff` is kept true exactly for members holding a staff
    role, so customers' pages never pay for a permission lookup.
    """

    class Digest(models.TextChoices):
        NEVER = "never", _("Never")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    segments = models.ManyToManyField(
        "community.Segment", through="community.SegmentMembership", related_name="members", blank=True
    )
    # Mirrors allauth's verified primary address (synced by community.signals): members may read and
    # log in before verifying, but posting, commenting and voting need it, checked with no extra query.
    email_verified = models.BooleanField(default=False)
    email_consent = models.BooleanField(_("send me email about ideas I follow"), default=False)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    notify_status_changes = models.BooleanField(_("when an idea I support changes status"), default=True)
    notify_replies = models.BooleanField(_("when someone replies to me"), default=True)
    email_digest = models.CharField(
        _("email digest"), max_length=10, choices=Digest.choices, default=Digest.WEEKLY
    )
    # One of settings.LANGUAGES (checked by community.services.member_set_language, not by choices here,
    # so adding a language needs no migration); empty: the browser's language, and the site's for email.
    language = models.CharField(_("language"), max_length=10, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Moderation (moderation.trust and moderation.services). The trust level is recomputed from activity
    # when the member posts and when moderators act on their content; limits relax as it grows.
    trust_level = models.PositiveSmallIntegerField(_("trust level"), default=0, editable=False)
    # Set by a moderator (a known customer, an imported community): the level stays where they put it.
    trust_locked = models.BooleanField(default=False, editable=False)
    # Set and cleared only by moderation.services, which keeps the Sanction rows as the history.
    suspended_until = models.DateTimeField(null=True, blank=True, editable=False)
    banned_at = models.DateTimeField(null=True, blank=True, editable=False)
    profile_hidden = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        permissions = [
            ("view_member_details", "Can see members' activity, segments and customer value"),
            ("assign_segment", "Can assign members to the segments they manage"),
            ("grant_role", "Can grant and revoke roles"),
        ]

    def __str__(self):
        return self.public_name

    def get_absolute_url(self):
        return reverse("community:member", kwargs={"pk": self.pk})

    @property
    def public_name(self) -> str:
        """The name shown next to a member's posts; never their email address."""
        if self.deleted_at:
            return str(_("Former member"))
        return self.display_name or self.username

    @property
    def may_contribute(self) -> bool:
        """Posting, commenting and voting need an active, unrestricted account with a verified address."""
        return self.is_active and self.email_verified and not self.is_restricted

    @property
    def is_restricted(self) -> bool:
        """Banned, or suspended until a moment still in the future."""
        return self.banned_at is not None or (
            self.suspended_until is not None and self.suspended_until > timezone.now()
        )


class AvatarUpload(ProcessedImage):
    """A picture a member uploaded as their avatar, decoded in the background (community.avatars).

    The member's `avatar` stays what it was (their old picture, or none: the initial is shown) until
    this upload is READY; then it becomes the upload's 256×256 PNG. At most one upload of a member is
    PROCESSING: a newer one (or removing the avatar) marks the older one FAILED, so an old picture never
    lands after a newer one.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="avatar_uploads")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(ProcessedImage.Meta):
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="processing"),
                name="one_avatar_processing_per_member",
            )
        ]

    def __str__(self):
        return f"Avatar upload {self.pk} of member {self.member_id}"


class Segment(models.Model):
    """A customer segment, with the inputs of its customer-lifetime-value model.

    CLV = m·r / (1 + d − r), with margin per period m, retention rate r (0 ≤ r < 1) and discount
    rate d (d ≥ 0): the geometric sum of the margins a customer brings while retained, discounted.
    `predicted_clv` (the mean predicted CLV of its customers, docs/clv.md) replaces the formula when the
    customers' purchases have been fitted; `clv_override` replaces both where a segment's value is known
    from elsewhere.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    market_size = models.PositiveBigIntegerField(
        _("market size"), default=0, help_text=_("Number of customers in the whole market segment.")
    )
    margin_per_period = models.DecimalField(
        _("margin per period"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    retention_rate = models.DecimalField(
        _("retention rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.9999"))],
        help_text=_("Share of customers kept from one period to the next, 0 ≤ r < 1."),
    )
    discount_rate = models.DecimalField(
        _("discount rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    clv_override = models.DecimalField(
        _("CLV override"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # The mean predicted CLV of the segment's customers, written by the latest successful fit of their
    # purchase histories (backlog.clv_models); empty when none of its customers has a prediction.
    predicted_clv = models.DecimalField(
        _("predicted CLV"), max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )
    predicted_clv_customers = models.PositiveIntegerField(default=0, editable=False)
    is_public = models.BooleanField(_("members may join"), default=True)
    managers = models.ManyToManyField(
        "community.Member",
        related_name="managed_segments",
        blank=True,
        help_text=_("Customer managers responsible for this segment."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(retention_rate__gte=0, retention_rate__lt=1),
                name="segment_retention_in_0_1",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_rate__gte=0), name="segment_discount_not_negative"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        cache.delete("community:public-segments")

    def delete(self, *args, **kwargs):
        cache.delete("community:public-segments")
        return super().delete(*args, **kwargs)

    def clean(self):
        if self.retention_rate is not None and not (0 <= self.retention_rate < 1):
            raise ValidationError({"retention_rate": _("Retention must be at least 0 and below 1.")})
        if self.discount_rate is not None and self.discount_rate < 0:
            raise ValidationError({"discount_rate": _("The discount rate cannot be negative.")})

    @property
    def clv(self) -> Decimal:
        """Customer lifetime value of one customer of this segment: the override if set, else the mean
        predicted CLV of its customers (from their purchases), else the formula."""
        if self.clv_override is not None:
            return self.clv_override
        if self.predicted_clv is not None:
            return self.predicted_clv
        return segment_clv(
            margin=self.margin_per_period, retention=self.retention_rate, discount=self.discount_rate
        )

    @property
    def customer_equity(self) -> Decimal:
        """The segment's CLV times its market size."""
        return self.clv * self.market_size


def segment_clv(*, margin: Decimal, retention: Decimal, discount: Decimal) -> Decimal:
    """CLV = m·r / (1 + d − r); refuses inputs that make the value infinite or meaningless."""
    if not (0 <= retention < 1):
        raise ValueError("retention must satisfy 0 ≤ r < 1")
    if discount < 0:
        raise ValueError("discount rate must not be negative")
    return (margin * retention / (1 + discount - retention)).quantize(Decimal("0.01"))


class SegmentMembership(models.Model):
    class Source(models.TextChoices):
        SELF = "self", _("chosen by the member")
        MANAGER = "manager", _("assigned by a customer manager")
        IMPORT = "import", _("imported from the CRM")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="segment_memberships")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SELF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "segment"], name="one_membership_per_segment")
        ]

    def __str__(self):
        return f"{self.member} in {self.segment}"


class LastVisit(models.Model):
    """When a member last looked at a place of the site that marks what is new since (the changelog).

    A row of its own, not a Member field: logged-in members are served from a cache (community.auth),
    and a field written on every visit would make that copy stale.
    """

    class Place(models.TextChoices):
        CHANGELOG = "changelog", _("release notes")
        WORKSPACE = "workspace", _("staff workspace")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="last_visits")
    place = models.CharField(max_length=30, choices=Place.choices)
    visited_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "place"], name="one_last_visit_per_place")]

    def __str__(self):
        return f"{self.member_id} visited {self.place} at {self.visited_at:%Y-%m-%d %H:%M}"
