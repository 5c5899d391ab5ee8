"""Flags, the moderation queue, sanctions and appeals, vote-integrity alerts, and the append-only audit log.

Nothing here deletes what a member wrote: moderation changes visibility (ideas.models.Visibility), locks,
moves or merges, and every staff action leaves an AuditEntry with what it looked like before and after.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What can be flagged and moderated (moderation.targets maps each kind to its model)."""

    IDEA = "idea", _("idea")
    COMMENT = "comment", _("comment")
    PIN = "pin", _("prototype feedback")
    MEMBER = "member", _("profile")


class Reason(models.TextChoices):
    SPAM = "spam", _("Spam")
    ABUSE = "abuse", _("Abusive or harassing")
    OFF_TOPIC = "off_topic", _("Off-topic")
    DUPLICATE = "duplicate", _("Duplicate")
    OTHER = "other", _("Something else")


class Case(models.Model):
    """One piece of content (or a profile) waiting for a moderator: its flags, or why it was held.

    At most one open case per target; closing it records the outcome, a later flag opens a new one.
    """

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class Source(models.TextChoices):
        FLAGS = "flags", _("flagged by members")
        SPAM = "spam", _("held by the spam filter")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    # Whose content it is (the profile's owner for profiles): the queue filters by their trust level.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FLAGS)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    # Held pending review (by trusted flags or the spam filter) rather than waiting in public.
    held = models.BooleanField(default=False)
    spam_signals = models.JSONField(default=list, blank=True)
    flag_count = models.PositiveIntegerField(default=0)
    trusted_flag_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=models.Q(state="open"),
                name="one_open_case_per_target",
            )
        ]
        indexes = [models.Index(fields=["state", "opened_at"], name="case_queue")]
        permissions = [
            ("moderate_members", "Can warn, suspend and ban members and decide appeals"),
            ("review_votes", "Can review suspicious voting and discount votes"),
            ("view_audit_log", "Can read the audit log of staff actions"),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id} ({self.state})"

    def get_absolute_url(self):
        return reverse("moderation:item", kwargs={"kind": self.kind, "pk": self.object_id})


class Flag(models.Model):
    """A member's report of content or a profile; one per member per target."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flags")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    text = models.TextField(_("details"), max_length=1000, blank=True)
    # The reporter's trust level when flagging: trusted flags can hide content pending review.
    reporter_trust = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "kind", "object_id"], name="one_flag_per_member_per_target"
            )
        ]

    def __str__(self):
        return f"{self.reason} flag on {self.kind} {self.object_id}"


class AuditEntry(models.Model):
    """One staff (or automatic) action: who, what, when, why, before and after. Append-only.

    save() refuses to update a stored entry and delete() refuses outright; the admin shows entries read
    only; and migration 0002 adds a database trigger that aborts any UPDATE of the table.
    """

    class Action(models.TextChoices):
        HIDE = "hide", _("hid")
        RESTORE = "restore", _("restored")
        APPROVE = "approve", _("approved")
        HOLD = "hold", _("held for review")
        DISMISS = "dismiss", _("dismissed flags")
        EDIT = "edit", _("edited")
        LOCK = "lock", _("locked the discussion")
        UNLOCK = "unlock", _("unlocked the discussion")
        MOVE = "move", _("moved")
        MERGE = "merge", _("merged")
        UNMERGE = "unmerge", _("undid a merge")
        STATUS = "status", _("changed status")
        PIN = "pin", _("pinned or unpinned")
        WARN = "warn", _("warned")
        SUSPEND = "suspend", _("suspended")
        BAN = "ban", _("banned")
        LIFT = "lift", _("lifted a sanction")
        APPEAL_GRANTED = "appeal_granted", _("granted an appeal")
        APPEAL_DENIED = "appeal_denied", _("denied an appeal")
        DISCOUNT_VOTES = "discount_votes", _("discounted votes")
        RESTORE_VOTES = "restore_votes", _("restored votes")
        DISMISS_ALERT = "dismiss_alert", _("dismissed a voting alert")
        TRUST = "trust", _("set the trust level")
        GRANT_ROLE = "grant_role", _("granted a role")
        REVOKE_ROLE = "revoke_role", _("revoked a role")
        MANAGE_SEGMENTS = "manage_segments", _("changed the segments a manager manages")
        SEGMENT_ADD = "segment_add", _("added to a segment")
        SEGMENT_REMOVE = "segment_remove", _("removed from a segment")
        PROXY_RECORD = "proxy_record", _("recorded a customer's request")
        PROXY_WITHDRAW = "proxy_withdraw", _("withdrew a customer's request")
        WORKFLOW = "workflow", _("changed a product's workflow")

    # Null: the system acted (the spam filter, or trusted members' flags).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # What the target was called at the time (a title, an excerpt, a name), so the log reads on its own.
    target_label = models.CharField(max_length=200)
    # The member the action was about (the author of hidden content, the suspended member), who is told.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.kind} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("moderation:notice", kwargs={"pk": self.pk})

    def delete(self, *args, **kwargs):
        raise ValidationError("The audit log is append-only.")

    @property
    def appealable(self) -> bool:
        return self.member_id is not None and self.action in APPEALABLE_ACTIONS


APPEALABLE_ACTIONS = {
    AuditEntry.Action.HIDE,
    AuditEntry.Action.EDIT,
    AuditEntry.Action.LOCK,
    AuditEntry.Action.WARN,
    AuditEntry.Action.SUSPEND,
    AuditEntry.Action.BAN,
}


class Sanction(models.Model):
    """A warning, a suspension for a period, or a ban; the history of a member's standing."""

    class Type(models.TextChoices):
        WARNING = "warning", _("Warning")
        SUSPENSION = "suspension", _("Suspension")
        BAN = "ban", _("Ban")

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sanctions")
    type = models.CharField(max_length=10, choices=Type.choices)
    reason = models.TextField()
    ends_at = models.DateTimeField(null=True, blank=True)  # suspensions only
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="sanction")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.type} of {self.member_id}"


class Appeal(models.Model):
    """The affected member's one appeal against a moderation decision."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for a moderator")
        GRANTED = "granted", _("granted")
        DENIED = "denied", _("denied")

    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="appeal")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals")
    text = models.TextField(_("your appeal"), max_length=4000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Appeal of {self.entry_id} ({self.state})"


class VoteAlert(models.Model):
    """Suspicious voting found by moderation.integrity, for a moderator to discount or dismiss."""

    class Type(models.TextChoices):
        BURST = "burst", _("burst of votes from new accounts")
        RING = "ring", _("accounts voting the same ideas together")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        DISCOUNTED = "discounted", _("votes discounted")
        RESTORED = "restored", _("votes restored")
        DISMISSED = "dismissed", _("dismissed")

    type = models.CharField(max_length=10, choices=Type.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    # The same votes are never reported twice: a digest of the sorted vote ids.
    signature = models.CharField(max_length=64, unique=True)
    idea_ids = models.JSONField(default=list)
    member_ids = models.JSONField(default=list)
    vote_ids = models.JSONField(default=list)
    summary = models.CharField(max_length=300)
    detected_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]

    def __str__(self):
        return self.summary
