from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager

from cocreate.image_processing import ProcessedImage, upload_name

from .querysets import CommentQuerySet, IdeaQuerySet


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public")
    HELD = "held", _("held for review")
    HIDDEN = "hidden", _("hidden by a moderator")


class Idea(models.Model):
    class Status(models.TextChoices):
        # A context of their own: an idea's status agrees with "idea" in languages with gender
        # (fr "Planifiée", es "Planificada"), a backlog item's with "item".
        NEW = "new", pgettext_lazy("idea status", "New")
        UNDER_REVIEW = "under_review", pgettext_lazy("idea status", "Under review")
        PLANNED = "planned", pgettext_lazy("idea status", "Planned")
        IN_PROGRESS = "in_progress", pgettext_lazy("idea status", "In progress")
        SHIPPED = "shipped", pgettext_lazy("idea status", "Shipped")
        DECLINED = "declined", pgettext_lazy("idea status", "Declined")
        MERGED = "merged", pgettext_lazy("idea status", "Merged")

    # Statuses in which an idea takes no more votes (takes_votes).
    CLOSED_TO_VOTES = (Status.MERGED, Status.DECLINED)

    title = models.CharField(_("title"), max_length=140)
    body = models.TextField(_("description"), max_length=20000, help_text=_("Markdown"))
    # Rendered from `body` through the sanitiser on every write; templates show only this.
    body_html = models.TextField(editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ideas")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    tags = TaggableManager(_("tags"), blank=True)
    product = models.ForeignKey(
        "products.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    segment = models.ForeignKey(
        "community.Segment", on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_ideas"
    )
    campaign = models.ForeignKey(
        "cms.CampaignPage", on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas"
    )
    # default, not auto_now_add: the hot score is computed from this exact value, and imports keep theirs.
    created_at = models.DateTimeField(_("posted"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # A moderator closed the discussion: no new comments until unlocked (moderation.services).
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The R&D member or administrator who looks after the idea (ideas.services.idea_set_owner); internal.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_ideas",
        verbose_name=_("owner"),
    )
    # The idea's status in its product's own workflow (ideas.workflow), whose `stage` is always
    # `status`; null in the built-in workflow (products without one, ideas without a product, merged
    # ideas). PROTECT: a status that ideas are in cannot be deleted.
    workflow_status = models.ForeignKey(
        "ideas.WorkflowStatus", on_delete=models.PROTECT, null=True, blank=True, related_name="ideas"
    )

    # Denormalised counters, kept exact by the voting and comment services (F() updates under the
    # idea's row lock); `hot_score` and `top_score` are stored so lists sort and paginate on an index.
    upvote_count = models.PositiveIntegerField(default=0)
    downvote_count = models.PositiveIntegerField(default=0)
    # Votes of members who deleted their accounts: their rows are gone, their support stays counted.
    # upvote_count = public up-vote rows + retired_upvotes (and likewise down).
    retired_upvotes = models.PositiveIntegerField(default=0)
    retired_downvotes = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    hot_score = models.FloatField(default=0)
    top_score = models.FloatField(default=0)
    # Up-votes cast in the last seven days, recomputed from the vote rows once per vote window
    # (ideas.services.rescore_ideas) and, as older votes age out, by `manage.py refresh_scores` (run it
    # hourly from cron or a scheduler).
    trending_score = models.IntegerField(default=0)

    objects = IdeaQuerySet.as_manager()

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        permissions = [
            ("change_idea_status", "Can move ideas along the status workflow"),
            ("post_official_response", "Can post official responses"),
            ("moderate_content", "Can see, hide and restore ideas and comments"),
        ]
        # Keyset pagination walks these indexes from the cursor; partial on public ideas, which is
        # what every list shows.
        indexes = [
            models.Index(
                fields=["-hot_score", "-id"], name="idea_hot_public", condition=models.Q(visibility="public")
            ),
            models.Index(
                fields=["-top_score", "-id"], name="idea_top_public", condition=models.Q(visibility="public")
            ),
            models.Index(
                fields=["-created_at", "-id"], name="idea_new_public", condition=models.Q(visibility="public")
            ),
            models.Index(fields=["status", "-hot_score", "-id"], name="idea_status_hot"),
            models.Index(
                fields=["-comment_count", "-id"],
                name="idea_discussed_public",
                condition=models.Q(visibility="public"),
            ),
            models.Index(
                fields=["-trending_score", "-id"],
                name="idea_trending_public",
                condition=models.Q(visibility="public"),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("ideas:detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60] or "idea"

    @property
    def vote_count(self) -> int:
        """Net support shown to members: up-votes minus down-votes."""
        return self.upvote_count - self.downvote_count

    @classmethod
    def takes_votes(cls, *, status: str, visibility: str, status_takes_votes: bool | None = None) -> bool:
        """The vote rule for an idea's own state; a campaign's dates come on top (is_open_for_votes).

        `status_takes_votes` is the setting of the idea's status in its product's own workflow
        (WorkflowStatus.takes_votes, ideas.workflow); None for an idea in the built-in workflow, where
        the statuses of CLOSED_TO_VOTES take none.

        The only copy: PostgreSQL's vote function is generated from it (voting/sql.py). Change it, and
        add a migration that reinstalls the function, or tests/voting/test_sql.py fails.
        """
        if status_takes_votes is None:
            status_takes_votes = status not in cls.CLOSED_TO_VOTES
        return status_takes_votes and status != cls.Status.MERGED and visibility == Visibility.PUBLIC

    @property
    def is_open_for_votes(self) -> bool:
        own = self.workflow_status.takes_votes if self.workflow_status_id else None
        return (
            self.takes_votes(status=self.status, visibility=self.visibility, status_takes_votes=own)
            and not self.campaign_closed
        )

    @property
    def takes_comments(self) -> bool:
        """Whether the idea's status takes new comments: its product's workflow says (WorkflowStatus);
        in the built-in workflow every status but merged does. Visibility, locks and campaign dates
        come on top (ideas.services.comment_post)."""
        if self.workflow_status_id:
            return self.workflow_status.takes_comments
        return self.status != self.Status.MERGED

    @property
    def status_name(self) -> str:
        """The status as customers read it: its public name in the product's workflow, or the
        built-in label."""
        if self.workflow_status_id:
            return self.workflow_status.name
        return self.get_status_display()

    @property
    def campaign_closed(self) -> bool:
        """Ideas of a campaign outside its dates are read-only."""
        return self.campaign_id is not None and not self.campaign.is_open


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(_("comment"), max_length=10000)
    body_html = models.TextField(editable=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    # An answer from R&D or a customer manager, marked as such; pinned ones are shown first.
    is_official = models.BooleanField(default=False)
    pinned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["idea", "created_at"], name="comment_idea_created")]

    def __str__(self):
        return f"Comment {self.pk} on idea {self.idea_id}"

    def get_absolute_url(self):
        return f"{self.idea.get_absolute_url()}#comment-{self.pk}"


class WorkflowStatus(models.Model):
    """A status of a product's own workflow, defined by administrators (/staff/workflows/).

    A product without any uses the built-in workflow (Idea.Status and ideas.workflow.TRANSITIONS, in
    code). Each status has a public name and a `stage`, one of the built-in statuses, which is what
    the rest of the product reads: the idea's `status` column is the stage (lists, filters, search,
    the roadmap's columns, releases), `workflow_status` the row. Whether it takes votes and comments
    is its own; which status may follow it is `next_statuses`.
    """

    product = models.ForeignKey(
        "products.Product", on_delete=models.CASCADE, related_name="workflow_statuses"
    )
    key = models.SlugField(max_length=20)  # stable: forms and the API name a status by it
    name = models.CharField(_("public name"), max_length=40)
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=[c for c in Idea.Status.choices if c[0] != Idea.Status.MERGED],
        help_text=_("What the status means for the roadmap, releases and filters."),
    )
    takes_votes = models.BooleanField(_("takes votes"), default=True)
    takes_comments = models.BooleanField(_("takes comments"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    next_statuses = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="previous_statuses", verbose_name=_("may become")
    )

    class Meta:
        ordering = ["product", "position", "id"]
        verbose_name = _("workflow status")
        verbose_name_plural = _("workflow statuses")
        constraints = [
            models.UniqueConstraint(fields=["product", "key"], name="workflow_status_key_per_product"),
            models.UniqueConstraint(Lower("name"), "product", name="workflow_status_name_per_product"),
        ]

    def __str__(self):
        return f"{self.product_id}: {self.name}"


class StatusChange(models.Model):
    """One step of an idea's public status timeline."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Idea.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Idea.Status.choices)
    # The public name the new status had in the product's workflow when it changed; blank for the
    # built-in ones (their label is translated when shown).
    to_name = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.idea_id}: {self.from_status} → {self.to_status}"

    @property
    def to_status_name(self) -> str:
        return self.to_name or self.get_to_status_display()


class Follow(models.Model):
    """A member hears about an idea's changes without voting for it."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idea", "member"], name="one_follow_per_member_per_idea")
        ]

    def __str__(self):
        return f"{self.member_id} follows {self.idea_id}"


# What else a member may follow besides an idea (Follow): the things an idea is filed under, and
# prototypes. One column per kind, so every fan-out is one indexed query on one table.
FOLLOW_TARGETS = ("tag", "product", "campaign", "segment", "prototype")


def _exactly_one_target() -> models.Q:
    condition = models.Q()
    for kind in FOLLOW_TARGETS:
        only = models.Q(**{f"{kind}__isnull": False}) & models.Q(
            *(models.Q(**{f"{other}__isnull": True}) for other in FOLLOW_TARGETS if other != kind)
        )
        condition |= only
    return condition


class TopicFollow(models.Model):
    """A member follows a tag, a product, a campaign, a segment (customer managers) or a prototype.

    Exactly one target column is set (a check constraint); one row per member and target (a partial
    unique constraint per kind). Ideas have their own table (Follow), which merges move along.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_follows"
    )
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    product = models.ForeignKey(
        "products.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        "cms.CampaignPage", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    segment = models.ForeignKey(
        "community.Segment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A string reference to the app above (docs/architecture.md): the prototypes app calls the follow
    # services with its own rows; nothing here imports it.
    prototype = models.ForeignKey(
        "prototypes.Prototype", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_exactly_one_target(), name="topic_follow_exactly_one_target"),
            *(
                models.UniqueConstraint(
                    fields=["member", kind],
                    condition=models.Q(**{f"{kind}__isnull": False}),
                    name=f"one_follow_per_member_per_{kind}",
                )
                for kind in FOLLOW_TARGETS
            ),
        ]

    def __str__(self):
        return f"{self.member_id} follows {self.kind} {getattr(self, f'{self.kind}_id')}"

    @property
    def kind(self) -> str:
        return next(kind for kind in FOLLOW_TARGETS if getattr(self, f"{kind}_id") is not None)

    @property
    def target(self):
        return getattr(self, self.kind)

    @classmethod
    def kind_of(cls, target) -> str:
        """The column that holds `target` (a Tag, Product, CampaignPage, Segment or Prototype)."""
        for kind in FOLLOW_TARGETS:
            if isinstance(target, cls._meta.get_field(kind).related_model):
                return kind
        raise TypeError(f"nothing of type {type(target).__name__} can be followed")


class IdeaMerge(models.Model):
    """Idea `source` merged into `target`, with exactly what moved, so the merge can be undone."""

    source = models.ForeignKey(Idea, on_delete=models.PROTECT, related_name="merges_out")
    target = models.ForeignKey(Idea, on_delete=models.PROTECT, related_name="merges_in")
    note = models.TextField()
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # {"votes": [ids], "comments": [ids], "follows": [ids], "tags": [names], "retired_up": n,
    #  "retired_down": n, "source_status": "..."}
    moved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.source_id} → {self.target_id}"


class IdeaRevision(models.Model):
    """The text of an idea before an edit."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=140)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Revision of idea {self.idea_id} at {self.created_at:%Y-%m-%d %H:%M}"


class CommentRevision(models.Model):
    """The text of a comment before an edit."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Revision of comment {self.comment_id}"


class InternalNote(models.Model):
    """A staff-only note on an idea (community.permissions.may_see_internal_notes): never shown to
    customers, never indexed for search, never in the API. Append-only: a note is neither edited nor
    deleted, so what staff wrote stays on record."""

    idea = models.ForeignKey(Idea, on_delete=models.PROTECT, related_name="internal_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(
        _("note"), max_length=10000, help_text=_("Markdown; @mention staff to tell them.")
    )
    # Rendered from `body` through the sanitiser when written; templates show only this.
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self):
        return f"Internal note {self.pk} on idea {self.idea_id}"


# Migration 0006 names the upload's name function here; it is the shared one now.
idea_upload_name = upload_name


class IdeaImage(ProcessedImage):
    """An image attached to an idea: validated, re-encoded, with a thumbnail.

    The request that posts it checks the file's header and keeps the upload (`source`, status
    PROCESSING); a background task (ideas.tasks.process_idea_images, cocreate.image_processing) decodes
    it, writes `image` and `thumbnail`, drops `source` and marks it READY, or FAILED with the reason the
    author reads.
    """

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="images")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    image = models.ImageField(upload_to="ideas/%Y/%m/", blank=True)
    thumbnail = models.ImageField(upload_to="ideas/%Y/%m/thumbs/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(ProcessedImage.Meta):
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Image {self.pk} of idea {self.idea_id}"


def campaign_model():
    """The campaign model as `Idea.campaign` names it ("cms.CampaignPage"), for the apps below the CMS.

    The CMS wraps campaigns in a Wagtail page; the ideas app and the apps beside it reach the model
    through the relation Django resolved from its string, never by importing `cms` (docs/architecture.md).
    """
    return Idea._meta.get_field("campaign").related_model


class EvaluationCriterion(models.Model):
    """A criterion R&D scores a product's ideas on (feasibility, strategic fit…), on a scale of whole
    numbers. A product with criteria has expert evaluation (ideas.evaluation); scores are internal."""

    product = models.ForeignKey(
        "products.Product", on_delete=models.CASCADE, related_name="evaluation_criteria"
    )
    name = models.CharField(_("criterion"), max_length=60)
    description = models.CharField(_("what it asks"), max_length=200, blank=True)
    scale_min = models.PositiveSmallIntegerField(_("lowest score"), default=1)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=5)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        constraints = [
            models.UniqueConstraint(Lower("name"), "product", name="evaluation_criterion_name_per_product"),
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")) & models.Q(scale_max__lte=10),
                name="evaluation_criterion_scale",
            ),
        ]

    def __str__(self):
        return self.name


class ProductEvaluator(models.Model):
    """An R&D member named to score a product's ideas."""

    product = models.ForeignKey("products.Product", on_delete=models.CASCADE, related_name="evaluators")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    named_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "member"], name="one_evaluator_row_per_member")
        ]

    def __str__(self):
        return f"{self.member_id} evaluates {self.product_id}"


class EvaluationScore(models.Model):
    """One evaluator's score of one idea on one criterion; scoring again replaces it."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="evaluation_scores")
    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.PROTECT, related_name="scores")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "criterion", "evaluator"], name="one_score_per_evaluator_and_criterion"
            ),
            models.CheckConstraint(condition=models.Q(score__lte=10), name="evaluation_score_at_most_ten"),
        ]

    def __str__(self):
        return f"{self.evaluator_id} scored {self.idea_id} {self.score} on {self.criterion_id}"
