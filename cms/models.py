from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from backlog.models import BacklogItem
from backlog.selectors import ROADMAP_COLUMNS, roadmap_column_label, roadmap_items
from community.models import LastVisit
from community.services import last_visit_record
from ideas.campaigns import campaign_idea_page
from ideas.models import Idea
from ideas.selectors import idea_rows, recently_shipped_ideas, trending_ideas
from ideas.workflow import stage_names
from products.models import Product
from prototypes.selectors import prototypes_open_for_testing

from . import feeds


class HomePage(Page):
    """The site's front page: what the community is for, how it works in three steps (both edited here,
    with sensible defaults), and what is happening: open campaigns, trending ideas, what shipped lately
    and the prototypes open for testing."""

    headline = models.CharField(max_length=200, default="Shape what we build next")
    intro = RichTextField(blank=True)
    purpose = models.TextField(
        _("what the community is for"),
        max_length=600,
        default=(
            "Cocreate is where you tell the teams behind our products what to build next. Post an idea, "
            "support the ones you need, try prototypes before they ship, and see what became of it all."
        ),
    )
    step_1_title = models.CharField(_("step 1"), max_length=80, default="Share an idea")
    step_1_text = models.CharField(
        _("step 1, in a sentence"),
        max_length=240,
        default="Say what should change and why. Check the similar ideas first: a vote there counts too.",
    )
    step_2_title = models.CharField(_("step 2"), max_length=80, default="Vote and discuss")
    step_2_text = models.CharField(
        _("step 2, in a sentence"),
        max_length=240,
        default="Support the ideas you need and help sharpen them in the comments. The team reads along.",
    )
    step_3_title = models.CharField(_("step 3"), max_length=80, default="See it built")
    step_3_text = models.CharField(
        _("step 3, in a sentence"),
        max_length=240,
        default="Ideas move to planned and shipped; try prototypes on the way and get told when yours ships.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("headline"),
        FieldPanel("intro"),
        FieldPanel("purpose"),
        MultiFieldPanel(
            [
                FieldPanel("step_1_title"),
                FieldPanel("step_1_text"),
                FieldPanel("step_2_title"),
                FieldPanel("step_2_text"),
                FieldPanel("step_3_title"),
                FieldPanel("step_3_text"),
            ],
            heading=_("How it works"),
        ),
    ]
    max_count = 1
    subpage_types = [
        "cms.CampaignIndexPage",
        "cms.ContentPage",
        "cms.RoadmapPage",
        "cms.ReleaseNotesIndexPage",
    ]

    def steps(self) -> list[tuple[str, str]]:
        return [
            (self.step_1_title, self.step_1_text),
            (self.step_2_title, self.step_2_text),
            (self.step_3_title, self.step_3_text),
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["trending"] = idea_rows(trending_ideas(), user=request.user)
        now = timezone.now()
        context["campaigns"] = list(
            CampaignPage.objects.live()
            .public()
            .filter(starts_at__lte=now, ends_at__gt=now)
            .order_by("ends_at")[:3]
        )
        context["shipped"] = recently_shipped_ideas(limit=4)
        context["releases"] = list(
            ReleaseNotePage.objects.live().public().order_by("-released_on", "-first_published_at")[:2]
        )
        context["prototypes"] = prototypes_open_for_testing(user=request.user, limit=3)
        return context


class CampaignIndexPage(Page):
    """/campaigns/: every live campaign, open ones first."""

    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CampaignPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        campaigns = CampaignPage.objects.live().child_of(self).order_by("-ends_at")
        now = timezone.now()
        context["open_campaigns"] = [c for c in campaigns if c.starts_at <= now < c.ends_at]
        context["upcoming_campaigns"] = [c for c in campaigns if now < c.starts_at]
        context["closed_campaigns"] = [c for c in campaigns if c.ends_at <= now]
        return context


class CampaignPage(Page):
    """A time-boxed challenge ("How should the next camera app work?") with its own ideas.

    The brief lives here, in the CMS; the ideas stay in the ideas app (Idea.campaign). Outside its dates
    a campaign takes no new ideas, votes or comments; its ideas stay readable.
    """

    question = models.CharField(_("question"), max_length=200)
    brief = RichTextField(_("brief"))
    starts_at = models.DateTimeField(_("opens"), default=timezone.now)
    ends_at = models.DateTimeField(_("closes"))
    target_segments = ParentalManyToManyField("community.Segment", blank=True, related_name="campaigns")

    content_panels = [
        *Page.content_panels,
        FieldPanel("question"),
        FieldPanel("brief"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("target_segments"),
    ]
    parent_page_types = ["cms.CampaignIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("campaign")

    @property
    def is_open(self) -> bool:
        return self.starts_at <= timezone.now() < self.ends_at

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A campaign must close after it opens.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["page_of_ideas"], context["sort"] = campaign_idea_page(
            user=request.user, campaign_id=self.pk, query=request.GET
        )
        return context


class ContentPage(Page):
    """A plain page edited in the CMS: the community guidelines (/guidelines/), help, about."""

    intro = models.CharField(max_length=300, blank=True)
    body = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms.HomePage", "cms.ContentPage"]


class RoadmapPage(RoutablePageMixin, Page):
    """The public roadmap: what is planned, in progress and shipped, for the products the editor picks.

    Cards come from backlog.selectors.roadmap_items (public backlog items and public ideas only); the
    page filters by product (?product=<slug>) and has an Atom feed at <page url>feed/.
    """

    intro = RichTextField(blank=True)
    products = ParentalManyToManyField(
        "products.Product", blank=True, related_name="+", help_text=_("None chosen: every product.")
    )
    show_planned = models.BooleanField(_("planned"), default=True)
    show_in_progress = models.BooleanField(_("in progress"), default=True)
    show_shipped = models.BooleanField(_("shipped"), default=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("products"),
        MultiFieldPanel(
            [FieldPanel("show_planned"), FieldPanel("show_in_progress"), FieldPanel("show_shipped")],
            heading=_("Columns"),
        ),
    ]
    parent_page_types = ["cms.HomePage", "cms.ContentPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("roadmap")

    def clean(self):
        super().clean()
        if not self.columns:
            raise ValidationError(_("Show at least one column."))

    @property
    def columns(self) -> list[str]:
        chosen = {
            "planned": self.show_planned,
            "in_progress": self.show_in_progress,
            "shipped": self.show_shipped,
        }
        return [column for column in ROADMAP_COLUMNS if chosen[column]]

    def roadmap_products(self) -> list[Product]:
        """The products this roadmap covers: those chosen, or every product."""
        chosen = list(self.products.all())
        return chosen or list(Product.objects.all())

    def roadmap(self, request) -> dict:
        """Products, the one chosen by ?product=<slug> (404 for an unknown one) and the cards."""
        products = self.roadmap_products()
        slug = request.GET.get("product", "")
        product = None
        if slug:
            product = next((p for p in products if p.slug == slug), None)
            if product is None:
                raise Http404(_("This roadmap has no product “%(slug)s”.") % {"slug": slug[:100]})
        cards = roadmap_items(columns=self.columns, products=[product] if product else products)
        return {"products": products, "product": product, "cards": cards}

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        roadmap = self.roadmap(request)
        context.update(roadmap)
        labels = {column: roadmap_column_label(column) for column in self.columns}
        shown = [roadmap["product"]] if roadmap["product"] else roadmap["products"]
        if len(shown) == 1:  # one product: its columns carry the public names of its own workflow
            own = stage_names(shown[0].pk, [ROADMAP_COLUMNS[column][1] for column in self.columns])
            for column in self.columns:
                if own[ROADMAP_COLUMNS[column][1]]:
                    labels[column] = " / ".join(own[ROADMAP_COLUMNS[column][1]])
        context["columns"] = [
            (column, labels[column], [c for c in roadmap["cards"] if c.column == column])
            for column in self.columns
        ]
        context["feed_url"] = self.url + self.reverse_subpage("feed")
        return context

    @path("feed/", name="feed")
    def feed(self, request):
        return feeds.RoadmapFeed()(request, page=self)


class ReleaseNotesIndexPage(RoutablePageMixin, Page):
    """The changelog: every release note, newest first, with "New" on those published since the
    member's last visit, and an Atom feed at <page url>feed/."""

    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ReleaseNotePage"]
    max_count = 1

    class Meta:
        verbose_name = _("changelog")

    def releases(self):
        return (
            ReleaseNotePage.objects.live()
            .public()
            .child_of(self)
            .order_by("-released_on", "-first_published_at")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        releases = list(self.releases()[:100])
        # Nothing is stored for visitors; a member's first visit marks what came out since they joined.
        seen = last_visit_record(member=request.user, place=LastVisit.Place.CHANGELOG)
        if seen is None and request.user.is_authenticated:
            seen = request.user.date_joined
        for release in releases:
            release.is_new = seen is not None and release.first_published_at > seen
        context["releases"] = releases
        context["feed_url"] = self.url + self.reverse_subpage("feed")
        return context

    @path("feed/", name="feed")
    def feed(self, request):
        return feeds.ChangelogFeed()(request, page=self)


RELEASE_NOTE_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "image", "embed"]


class ReleaseNotePage(Page):
    """One release: its notes (rich text with images), version and date, and the ideas and backlog items
    it ships. Its first publication ships those ideas and tells their supporters once
    (cms.releases.release_announce)."""

    version = models.CharField(_("version"), max_length=40)
    released_on = models.DateField(_("release date"), default=timezone.localdate)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = RichTextField(_("release notes"), features=RELEASE_NOTE_FEATURES)
    # A release planned within capacity (/backlog/plan/): its backlog items ship with this note, as if
    # listed under "Backlog items it ships".
    planned_release = models.ForeignKey(
        "backlog.Release",
        verbose_name=_("planned release"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="release_notes",
        help_text=_("Its backlog items ship with this release note, besides those listed below."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("version"),
        FieldPanel("released_on"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("planned_release"),
        InlinePanel("shipped_ideas", label=_("Ideas it ships")),
        InlinePanel("shipped_items", label=_("Backlog items it ships")),
    ]
    parent_page_types = ["cms.ReleaseNotesIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("release note")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["ideas"] = list(
            Idea.objects.listed()
            .filter(pk__in=self.shipped_ideas.values("idea_id"))
            .only("id", "title", "status", "upvote_count")
            .order_by("-upvote_count", "pk")
        )
        context["items"] = list(
            BacklogItem.objects.filter(pk__in=self.shipped_item_ids(), is_public=True).order_by("pk")
        )
        return context

    def shipped_item_ids(self) -> list[int]:
        """The backlog items it ships: those listed, and those of its planned release."""
        ids = {row.item_id for row in self.shipped_items.all()}
        if self.planned_release_id:
            ids.update(self.planned_release.items.values_list("pk", flat=True))
        return sorted(ids)


class ReleaseNoteIdea(Orderable):
    page = ParentalKey(ReleaseNotePage, on_delete=models.CASCADE, related_name="shipped_ideas")
    idea = models.ForeignKey("ideas.Idea", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("idea")]


class ReleaseNoteBacklogItem(Orderable):
    page = ParentalKey(ReleaseNotePage, on_delete=models.CASCADE, related_name="shipped_items")
    item = models.ForeignKey("backlog.BacklogItem", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("item")]


class ReleaseAnnouncement(models.Model):
    """That a release was announced: its ideas shipped and their supporters told, once.

    A row of its own rather than a field of the page: page fields are stored in every revision, and
    publishing (or reverting to) a revision saved before the announcement would write the field back to
    empty and announce the release again. The one-to-one key makes a second announcement impossible.
    """

    release = models.OneToOneField(ReleaseNotePage, on_delete=models.CASCADE, related_name="announcement")
    announced_at = models.DateTimeField(default=timezone.now)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shipped_idea_ids = models.JSONField(default=list)
    notified = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Release {self.release_id} announced at {self.announced_at:%Y-%m-%d %H:%M}"
