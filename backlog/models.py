"""Backlog items that ideas are triaged into, the triage log, the priority weights and imported member CLV."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The largest CLV or margin an import accepts: anything above is a unit mistake (cents, not euros).
ABSURD_AMOUNT = Decimal("100000000")
WEIGHT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("3"))]
# The issue trackers an item links to: a GitHub issue page, or a Jira issue's browse page.
GITHUB_ISSUE_URL = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/issues/\d+$")
JIRA_ISSUE_URL = re.compile(r"^https://[\w.-]+(:\d+)?(/[\w.-]+)*/browse/[A-Z][A-Z0-9_]*-\d+$")


class BacklogItem(models.Model):
    """A piece of R&D work on a product; the ideas behind it carry its demand."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        SHIPPED = "shipped", _("Shipped")
        DROPPED = "dropped", _("Dropped")

    # RICE's usual scales (Intercom): impact 3 massive … 0.25 minimal; confidence 100 % … 50 %.
    IMPACT_CHOICES = [
        (Decimal("3"), _("Massive (3)")),
        (Decimal("2"), _("High (2)")),
        (Decimal("1"), _("Medium (1)")),
        (Decimal("0.5"), _("Low (0.5)")),
        (Decimal("0.25"), _("Minimal (0.25)")),
    ]
    CONFIDENCE_CHOICES = [
        (Decimal("1"), _("High (100 %)")),
        (Decimal("0.8"), _("Medium (80 %)")),
        (Decimal("0.5"), _("Low (50 %)")),
    ]

    product = models.ForeignKey("products.Product", on_delete=models.PROTECT, related_name="backlog_items")
    title = models.CharField(_("title"), max_length=140)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CANDIDATE)
    effort_estimate = models.DecimalField(
        _("effort estimate"),
        max_digits=6,
        decimal_places=2,
        # Empty until someone estimates: a made-up 1.00 inflated every new item's score. Items created
        # before this was nullable keep their 1.00 (a default cannot be told from a real estimate of 1).
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text=_("Person-weeks. Empty until estimated: such items rank after estimated ones."),
    )
    impact = models.DecimalField(
        _("impact"), max_digits=4, decimal_places=2, choices=IMPACT_CHOICES, default=Decimal("1")
    )
    confidence = models.DecimalField(
        _("confidence"), max_digits=3, decimal_places=2, choices=CONFIDENCE_CHOICES, default=Decimal("0.8")
    )
    target_release = models.CharField(_("target release"), max_length=60, blank=True)
    ideas = models.ManyToManyField("ideas.Idea", related_name="backlog_items", blank=True)
    # The public roadmap shows an item only when R&D marks it public, under its public title and
    # summary; the title, description, estimates and demand above stay internal.
    is_public = models.BooleanField(_("show on the public roadmap"), default=False)
    public_title = models.CharField(_("public title"), max_length=140, blank=True)
    public_summary = models.TextField(_("public summary"), max_length=1000, blank=True)
    # When the item last moved into its status: the date of its entry in the roadmap's feed.
    status_changed_at = models.DateTimeField(default=timezone.now)
    # The GitHub or Jira issue that tracks the work; its tracker's webhooks ship the item when the issue
    # closes and reopen it when it reopens (webhooks.issues), acting as the member who linked it.
    issue_url = models.URLField(
        _("issue"),
        max_length=300,
        blank=True,
        db_index=True,
        help_text=_(
            "A GitHub issue (https://github.com/owner/repo/issues/12) or a Jira issue (…/browse/KEY-12)."
        ),
    )
    issue_linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The R&D member or administrator who looks after the item (backlog.services.backlog_item_set_owner).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_backlog_items",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("backlog item")
        verbose_name_plural = _("backlog items")
        permissions = [
            ("view_backlog", "Can see backlogs, their demand and customer equity"),
            ("manage_backlog", "Can create and edit backlog items and the priority weights"),
            ("triage_idea", "Can triage ideas into backlogs"),
            ("view_segments", "Can see segment dashboards and customer equity"),
            ("view_member_value", "Can see the value of members in the segments they manage"),
            ("view_all_member_values", "Can see the value of members in every segment"),
            ("import_customers", "Can import customer records from the CRM"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effort_estimate__isnull=True) | models.Q(effort_estimate__gt=0),
                name="backlog_effort_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(is_public=False) | ~models.Q(public_title=""),
                name="backlog_public_item_has_public_title",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("backlog:item", kwargs={"pk": self.pk})

    def clean(self):
        super().clean()
        self.public_title = " ".join(self.public_title.split())
        if self.is_public and not self.public_title:
            raise ValidationError(
                {"public_title": _("Give the item a public title before showing it on the roadmap.")}
            )
        self.issue_url = (self.issue_url or "").strip()
        if self.issue_url and not (
            GITHUB_ISSUE_URL.match(self.issue_url) or JIRA_ISSUE_URL.match(self.issue_url)
        ):
            raise ValidationError(
                {
                    "issue_url": _(
                        "Link a GitHub issue (https://github.com/owner/repo/issues/12) or a Jira issue (https://example.atlassian.net/browse/KEY-12)."
                    )
                }
            )


class TriageAction(models.Model):
    """One triage decision on one idea, kept for the record (who, what, when, why)."""

    class Kind(models.TextChoices):
        TAG = "tag", _("Tagged")
        SET_PRODUCT = "set_product", _("Product set")
        LINK = "link", _("Linked to a backlog item")
        CREATE_ITEM = "create_item", _("Backlog item created")
        DUPLICATE = "duplicate", _("Marked duplicate")
        DECLINE = "decline", _("Declined")

    idea = models.ForeignKey("ideas.Idea", on_delete=models.CASCADE, related_name="triage_actions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    backlog_item = models.ForeignKey(
        BacklogItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="triage_actions"
    )
    product = models.ForeignKey("products.Product", on_delete=models.SET_NULL, null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "ideas.Idea", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.TextField(blank=True, help_text=_("Tags added, or the reason given."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # "What changed this week" reads the log by date.
        indexes = [models.Index(fields=["created_at"], name="triage_action_created")]

    def __str__(self):
        return f"{self.get_kind_display()}: idea {self.idea_id}"


class PriorityWeights(models.Model):
    """The one set of weights of the priority score, adjustable by R&D (a single row, pk 1).

    score = reach^w_reach × impact^w_impact × confidence^w_confidence ÷ effort^w_effort; every weight 1
    is classic RICE, 0 leaves a factor out, between 0 and 1 damps it. See docs/clv.md.
    """

    class Reach(models.TextChoices):
        EQUITY = "equity", _("Extrapolated customer equity")
        CUSTOMERS = "customers", _("Extrapolated customers")

    reach_basis = models.CharField(max_length=10, choices=Reach.choices, default=Reach.EQUITY)
    reach_weight = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("1"), validators=WEIGHT_VALIDATORS
    )
    impact_weight = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("1"), validators=WEIGHT_VALIDATORS
    )
    confidence_weight = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("1"), validators=WEIGHT_VALIDATORS
    )
    effort_weight = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("1"), validators=WEIGHT_VALIDATORS
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("priority weights")
        verbose_name_plural = _("priority weights")

    def __str__(self):
        return "Priority weights"

    @classmethod
    def load(cls) -> "PriorityWeights":
        weights, _ = cls.objects.get_or_create(pk=1)
        return weights


class CustomerRecord(models.Model):
    """A customer as imported from the CRM, with the value predicted from their purchases; private to the
    staff allowed to see it.

    A customer need not be a community member: `member` is empty until someone with the record's email
    signs up and verifies it (backlog.transactions.customer_records_link), and deleting the account removes
    the link again. Members without a record are valued at their segment's CLV (docs/clv.md).
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer_record",
    )
    # The CRM's email for the customer: how a record without an account finds its member on sign-up.
    email = models.EmailField(_("email"), blank=True, db_index=True)
    external_id = models.CharField(_("external id"), max_length=100, unique=True)
    segment = models.ForeignKey(
        "community.Segment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    margin_per_period = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    retention_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    clv = models.DecimalField(_("CLV"), max_digits=14, decimal_places=2)
    source = models.CharField(max_length=200, blank=True, help_text=_("The imported file's name."))
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Predicted from the customer's transactions by the latest successful fit (backlog.clv_models);
    # empty until a fit has seen the customer. Never shown to customers.
    expected_purchases = models.FloatField(_("expected purchases"), null=True, blank=True)
    p_alive = models.FloatField(
        _("P(alive)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    predicted_clv = models.DecimalField(
        _("predicted CLV"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    predicted_at = models.DateTimeField(null=True, blank=True)
    prediction_fit = models.ForeignKey(
        "backlog.CLVFit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Equity at risk (backlog.risk): flagged when P(alive) is low and the CLV the customer would bring if
    # retained (predicted CLV ÷ P(alive)) is high; the value at risk is that CLV × (1 − P(alive)).
    at_risk = models.BooleanField(_("at risk"), default=False, db_index=True)
    value_at_risk = models.DecimalField(
        _("value at risk"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("customer record")
        verbose_name_plural = _("customer records")
        constraints = [
            models.CheckConstraint(condition=models.Q(clv__gte=0), name="customer_record_clv_not_negative"),
            models.CheckConstraint(
                condition=models.Q(retention_rate__isnull=True)
                | models.Q(retention_rate__gte=0, retention_rate__lt=1),
                name="customer_record_retention_in_0_1",
            ),
            models.CheckConstraint(
                condition=models.Q(p_alive__isnull=True) | models.Q(p_alive__gte=0, p_alive__lte=1),
                name="customer_record_p_alive_in_0_1",
            ),
        ]

    def __str__(self):
        return f"Customer {self.external_id}"

    @property
    def value(self) -> Decimal:
        """The customer's CLV: predicted from their purchases when the latest fit saw them, else as
        imported from the CRM."""
        return self.predicted_clv if self.predicted_clv is not None else self.clv


def customer_value(prefix: str = "") -> Coalesce:
    """`CustomerRecord.value` in SQL, for the record at `prefix` (e.g. "member__customer_record__")."""
    return Coalesce(F(f"{prefix}predicted_clv"), F(f"{prefix}clv"))


class Release(models.Model):
    """A release planned within capacity (backlog.planning): the items chosen, and the input that chose them.

    Its items are what the release notes (cms.ReleaseNotePage) can ship. Kept with the plan's input so a
    later reader sees why these items: capacity, objective, must-haves, dependencies and what the optimal
    and the greedy plan captured when it was saved.
    """

    class Objective(models.TextChoices):
        EQUITY = "equity", _("Extrapolated customer equity")
        SCORE = "score", _("Priority score (RICE)")

    name = models.CharField(_("name"), max_length=140)
    version = models.CharField(_("version"), max_length=40, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    capacity = models.DecimalField(_("capacity (person-weeks)"), max_digits=8, decimal_places=2)
    # {"team name": person-weeks} for the teams given a capacity of their own.
    team_capacities = models.JSONField(_("team capacities"), default=dict, blank=True)
    objective = models.CharField(_("objective"), max_length=10, choices=Objective.choices)
    items = models.ManyToManyField(BacklogItem, related_name="releases", blank=True)
    must_haves = models.JSONField(default=list, blank=True)  # backlog item ids
    dependencies = models.JSONField(default=list, blank=True)  # [[b, a], …]: b needs a
    value = models.DecimalField(max_digits=18, decimal_places=2)  # what the plan captures (objective)
    greedy_value = models.DecimalField(max_digits=18, decimal_places=2)  # the top-score-first plan's
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="release_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.name} {self.version}".strip()

    def get_absolute_url(self):
        return reverse("backlog:release", kwargs={"pk": self.pk})


class ProxyDemandQuerySet(models.QuerySet):
    def active(self):
        """Records that count: not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


class ProxyDemand(models.Model):
    """A CRM customer asked for an idea, as R&D or a customer manager heard it (customer voice beyond votes).

    It counts in the idea's demand with the customer's CLV, apart from member votes, and once only when the
    customer's linked member also up-voted (backlog.proxy). Never deleted by the site: withdrawn instead
    (withdrawn_at/by); it goes with the customer record it is about. Written by backlog.proxy only.
    """

    class Source(models.TextChoices):
        SALES_CALL = "sales_call", _("Sales call")
        SUPPORT_TICKET = "support_ticket", _("Support ticket")
        INTERVIEW = "interview", _("Interview")
        SURVEY = "survey", _("Survey")

    idea = models.ForeignKey("ideas.Idea", on_delete=models.CASCADE, related_name="proxy_demand")
    customer = models.ForeignKey(CustomerRecord, on_delete=models.CASCADE, related_name="proxy_demand")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    note = models.TextField(_("note"), max_length=2000)
    link = models.URLField(_("link"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(_("reason for withdrawing"), max_length=500, blank=True)

    objects = ProxyDemandQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("customer request")
        verbose_name_plural = _("customer requests")
        permissions = [("record_proxy_demand", "Can record that a CRM customer asked for an idea")]
        constraints = [
            # One live record per customer, idea and source: a second sales call about the same idea adds
            # nothing to demand (the customer counts once); withdrawn ones may be recorded again.
            models.UniqueConstraint(
                fields=["customer", "idea", "source"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="proxy_demand_one_live_per_customer_idea_source",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | models.Q(withdrawn_by__isnull=False),
                name="proxy_demand_withdrawn_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["idea", "withdrawn_at"], name="proxy_demand_idea_live")]

    def __str__(self):
        return f"Customer {self.customer_id} asked for idea {self.idea_id} ({self.source})"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Transaction(models.Model):
    """One purchase (amount > 0) or refund (amount < 0) of a CRM customer, imported from a file.

    Refunds are kept as sent; the fits net a refund against the customer's latest purchase on or before
    its date, and a purchase refunded in full is no purchase (docs/clv.md, backlog.clv_models).
    Idempotence: the unique constraint below is the identity of a row, so sending the same file again
    adds nothing. Two identical purchases on one day are told apart by `reference` (the order number).
    """

    customer = models.ForeignKey(CustomerRecord, on_delete=models.CASCADE, related_name="transactions")
    occurred_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # ISO 4217; empty = the site currency (COCREATE_CURRENCY). The import stores the site currency as
    # empty so that "EUR" and "" are the same row.
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("The order or invoice number, if any.")
    )
    batch = models.UUIDField(_("import batch"), db_index=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("The imported file's name.")
    )
    source_row = models.PositiveIntegerField(_("row in the source file"), null=True, blank=True)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["customer_id", "occurred_on", "pk"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "occurred_on", "amount", "currency", "reference"],
                name="transaction_identity",
            ),
            models.CheckConstraint(condition=~models.Q(amount=0), name="transaction_amount_not_zero"),
        ]
        # The fits read every transaction in a date window.
        indexes = [models.Index(fields=["occurred_on"], name="transaction_occurred_on")]

    def __str__(self):
        return f"{self.customer_id} {self.occurred_on} {self.amount}"


class CLVFit(models.Model):
    """One fit of the buy-till-you-die models (BG/NBD + Gamma-Gamma) to the transactions of a window.

    A failed fit (not converged, too little data) is kept with its message and changes no prediction.
    """

    class Kind(models.TextChoices):
        BG_NBD_GAMMA_GAMMA = "bgnbd_gg", _("BG/NBD + Gamma-Gamma")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BG_NBD_GAMMA_GAMMA)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    parameters = models.JSONField(default=dict, blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    # The calibration period ends here; the rest of the window is the holdout of the diagnostics.
    calibration_end = models.DateField(null=True, blank=True)
    horizon_months = models.PositiveSmallIntegerField(default=12)
    customers = models.PositiveIntegerField(default=0)
    transactions = models.PositiveIntegerField(default=0)
    diagnostics = models.JSONField(default=dict, blank=True)
    converged = models.BooleanField(default=False)
    message = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("CLV fit")
        verbose_name_plural = _("CLV fits")

    def __str__(self):
        return f"CLV fit {self.pk} ({self.get_status_display()})"


class MarketEstimate(models.Model):
    """How big a segment's whole market is, as a customer manager estimates it (docs/clv.md
    "Customer-equity share"). Never changed: a new estimate is a new row, the latest by date counts and
    the older ones stay as the history."""

    segment = models.ForeignKey("community.Segment", on_delete=models.CASCADE, related_name="+")
    customers = models.PositiveBigIntegerField(_("customers in the market"))
    mean_clv = models.DecimalField(
        _("their mean CLV"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    total_equity = models.DecimalField(
        _("total market equity"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Instead of the mean CLV, when the whole market's equity is what you know."),
    )
    as_of = models.DateField(_("as of"))
    source = models.CharField(_("source"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-recorded_at", "-id"]
        verbose_name = _("market estimate")
        verbose_name_plural = _("market estimates")
        permissions = [
            ("view_customer_overview", "Can see the customer overview and outreach lists"),
            ("keep_market_estimates", "Can record market estimates for the segments they manage"),
            ("record_offer_contacts", "Can record offers made to customers of the segments they manage"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mean_clv__isnull=False) | models.Q(total_equity__isnull=False),
                name="market_estimate_has_a_value",
            ),
            models.CheckConstraint(
                condition=(models.Q(mean_clv__isnull=True) | models.Q(mean_clv__gte=0))
                & (models.Q(total_equity__isnull=True) | models.Q(total_equity__gte=0)),
                name="market_estimate_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.segment_id}: {self.customers} customers as of {self.as_of}"

    @property
    def market_equity(self) -> Decimal:
        """The equity of every customer in the segment's market: as given, else customers × mean CLV."""
        if self.total_equity is not None:
            return self.total_equity
        return (self.mean_clv * self.customers).quantize(Decimal("0.01"))


class CustomerSnapshot(models.Model):
    """The customer overview's figures on the first of a month (backlog.equity_share), for the trends.
    One row per month: taking it again that month replaces its figures (idempotent)."""

    month = models.DateField(_("month"), unique=True)
    figures = models.JSONField(
        default=dict
    )  # {"total": {...}, "segments": {"<pk>": {...}}}, see equity_share
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["month"]
        verbose_name = _("customer snapshot")
        verbose_name_plural = _("customer snapshots")

    def __str__(self):
        return f"Customer snapshot {self.month:%Y-%m}"


class OfferContact(models.Model):
    """A customer manager brought a customer an offer (docs/clv.md "Next best offer"). Never deleted:
    it is how a customer is not offered the same thing twice."""

    class Kind(models.TextChoices):
        FEATURE = "feature", _("Shipped feature")
        PROTOTYPE = "prototype", _("Beta or prototype")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(CustomerRecord, on_delete=models.PROTECT, related_name="offer_contacts")
    kind = models.CharField(_("offer"), max_length=10, choices=Kind.choices)
    target_id = models.PositiveBigIntegerField()  # the idea (feature) or the prototype
    target_title = models.CharField(max_length=200)  # as it was called when offered
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contacted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-contacted_at", "-id"]
        verbose_name = _("offer contact")
        verbose_name_plural = _("offer contacts")
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "target_id"], name="offer_made_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.target_id} to {self.customer_id}"
