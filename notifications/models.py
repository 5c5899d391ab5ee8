from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailState(models.TextChoices):
    PENDING = "pending", _("not emailed yet")
    SENT = "sent", _("emailed")
    FAILED = "failed", _("could not be emailed")


class Cadence(models.TextChoices):
    """How often a member hears of one kind of notification by email."""

    INSTANT = "instant", _("At once")
    DAILY = "daily", _("In a daily digest")
    WEEKLY = "weekly", _("In a weekly digest")
    NEVER = "never", _("Never")


class Notification(models.Model):
    class Kind(models.TextChoices):
        STATUS_CHANGED = "status_changed", _("status changed")
        MERGED = "merged", _("merged")
        REPLY = "reply", _("reply")
        OFFICIAL_RESPONSE = "official_response", _("official response")
        MODERATION = "moderation", _("moderation")
        # Issue 18: what is new in things a member follows, mentions, and shipped releases.
        MENTION = "mention", _("mention")
        NEW_IDEA = "new_idea", _("new idea in something I follow")
        NEW_PROTOTYPE = "new_prototype", _("new prototype")
        RELEASE = "release", _("release")
        # Issue 19: a webhook endpoint you own was disabled after failing again and again.
        WEBHOOK = "webhook", _("webhook")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    idea = models.ForeignKey("ideas.Idea", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The queued task that wrote it (notifications.services.notify_on_commit): a task that runs twice
    # (its worker died after the commit) writes each member's notification once.
    event = models.CharField(max_length=32, blank=True, default="", editable=False)
    # Email (notifications.email): PENDING until a message carrying it went to the SMTP server (SENT,
    # instantly or in a digest) or could not go at all (FAILED, with an EmailFailure row). A retried
    # batch or digest sends only PENDING ones, so nobody gets the same event twice.
    email_state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.PENDING, editable=False
    )
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox"),
            # The digests' question: a member's notifications not emailed yet, newest window first.
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(email_state="pending"),
                name="notification_email_pending",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"],
                condition=~models.Q(event=""),
                name="notification_once_per_event",
            )
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}"


class EmailPreference(models.Model):
    """A member's own choice for one kind of notification; without a row the kind follows the defaults
    in notifications.email.default_cadence (which read the profile's coarse switches)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=30, choices=Notification.Kind.choices)
    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="email_preference_once_per_kind")
        ]

    def __str__(self):
        return f"{self.kind}: {self.cadence} for {self.member_id}"


class EmailFailure(models.Model):
    """A message that could not be handed to the SMTP server after its retries (or was refused for
    good): kept for staff (admin), with the notifications it carried left FAILED, not retried again."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A notification kind for instant mail, or "daily"/"weekly" for a digest.
    kind = models.CharField(max_length=30)
    address = models.CharField(max_length=254)
    error = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} to {self.address}: {self.error[:60]}"
