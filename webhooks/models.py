"""Outgoing webhook endpoints and their deliveries, and the issue trackers' inbound deliveries."""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    IDEA_CREATED = "idea.created", _("An idea is posted")
    IDEA_STATUS_CHANGED = "idea.status_changed", _("An idea changes status")
    IDEA_MERGED = "idea.merged", _("An idea is merged into another")
    COMMENT_CREATED = "comment.created", _("A comment is posted")
    BACKLOG_ITEM_CREATED = "backlog_item.created", _("A backlog item is created")
    BACKLOG_ITEM_UPDATED = "backlog_item.updated", _("A backlog item changes")
    RELEASE_PUBLISHED = "release.published", _("A release note is published")
    IDEA_VOTES_CROSSED = "idea.votes_crossed", _("An idea reaches the number of supporters below")
    IDEA_SEGMENT_SUPPORTERS_CROSSED = (
        "idea.segment_supporters_crossed",
        _("An idea reaches the number of supporters from the segment below"),
    )


def new_secret() -> str:
    """A signing secret as the Standard Webhooks specification writes it: "whsec_" + base64 of 32 random
    bytes (the spec asks for 24 to 64)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    """A URL that receives signed events, configured by R&D or an administrator (its owner)."""

    class Format(models.TextChoices):
        JSON = "json", _("JSON event (Standard Webhooks)")
        SLACK = "slack", _("Slack message (incoming webhook)")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.JSON)
    # Conditions: only ideas (and their comments) of this product; the thresholds of the *_crossed events.
    product = models.ForeignKey(
        "products.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    votes_threshold = models.PositiveIntegerField(_("supporters"), null=True, blank=True)
    segment = models.ForeignKey(
        "community.Segment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    segment_threshold = models.PositiveIntegerField(_("supporters from the segment"), null=True, blank=True)
    # Rotation: the previous secret keeps signing too (a second signature) until previous_secret_until.
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Deliveries in a row whose every attempt failed; WEBHOOKS_DISABLE_AFTER of them disable the endpoint.
    failed_deliveries_in_a_row = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")

    def __str__(self):
        return self.url

    def get_absolute_url(self):
        return reverse("webhooks:endpoint", kwargs={"pk": self.pk})

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets that sign a delivery now: the current one, and the previous one during rotation."""
        now = now or timezone.now()
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            return [self.secret, self.previous_secret]
        return [self.secret]


class Delivery(models.Model):
    """One event for one endpoint: its body is fixed, its webhook-id too (replays and retries keep it)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("delivered")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=40, choices=Event.choices)
    body = models.TextField()  # the exact bytes signed and sent (UTF-8 JSON)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due (the scheduler's sweep sends it); also a lease while one is running.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep: pending deliveries that are due.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class Attempt(models.Model):
    """One HTTP request of a delivery: what the target answered and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    replay = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class ThresholdCrossing(models.Model):
    """That an idea crossed an endpoint's threshold: the event fires once per idea per endpoint."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey("ideas.Idea", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=40, choices=Event.choices)
    crossed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "idea", "event"], name="webhook_threshold_once")
        ]

    def __str__(self):
        return f"{self.event}: idea {self.idea_id} for {self.endpoint_id}"


class InboundDelivery(models.Model):
    """A tracker's webhook we handled (X-GitHub-Delivery, X-Atlassian-Webhook-Identifier): a redelivery
    of the same one changes nothing."""

    class Source(models.TextChoices):
        GITHUB = "github", "GitHub"
        JIRA = "jira", "Jira"

    source = models.CharField(max_length=10, choices=Source.choices)
    delivery_id = models.CharField(max_length=100)
    event = models.CharField(max_length=60, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "delivery_id"], name="webhook_inbound_once")]

    def __str__(self):
        return f"{self.source} {self.delivery_id}"


class IssueClosure(models.Model):
    """An issue closed in its tracker shipped a backlog item and its ideas; what they were before, so
    that reopening the issue puts them back."""

    item = models.ForeignKey("backlog.BacklogItem", on_delete=models.CASCADE, related_name="+")
    issue_url = models.URLField(max_length=300)
    item_status_before = models.CharField(max_length=20)
    idea_statuses_before = models.JSONField(default=dict)  # {idea id: status} of the ideas it shipped
    closed_at = models.DateTimeField(default=timezone.now)
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-closed_at", "-id"]

    def __str__(self):
        return f"{self.issue_url} closed at {self.closed_at:%Y-%m-%d %H:%M}"
