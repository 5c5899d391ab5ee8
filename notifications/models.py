from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"],
                condition=~models.Q(event=""),
                name="notification_once_per_event",
            )
        ]

    def __str__(self):
        return f"{self.kind} for {self.recipient_id}"
