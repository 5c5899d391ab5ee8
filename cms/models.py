from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from ideas.campaigns import campaign_idea_page
from ideas.selectors import idea_rows, trending_ideas


class HomePage(Page):
    """The site's front page: an editable welcome plus the ideas trending right now."""

    headline = models.CharField(max_length=200, default="Shape what we build next")
    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("headline"), FieldPanel("intro")]
    max_count = 1
    subpage_types = ["cms.CampaignIndexPage", "cms.ContentPage"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["trending"] = idea_rows(trending_ideas(), user=request.user)
        now = timezone.now()
        context["campaigns"] = CampaignPage.objects.live().filter(starts_at__lte=now, ends_at__gt=now)[:3]
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
