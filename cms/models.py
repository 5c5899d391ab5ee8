from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The site's front page: an editable welcome plus the ideas trending right now."""

    headline = models.CharField(max_length=200, default="Shape what we build next")
    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("headline"), FieldPanel("intro")]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from ideas.selectors import trending_ideas

        context = super().get_context(request, *args, **kwargs)
        context["trending"] = trending_ideas()
        return context
