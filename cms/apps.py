from django.apps import AppConfig


class CmsConfig(AppConfig):
    """Wagtail pages: the home page now; campaigns, roadmap and help pages later."""

    name = "cms"
    verbose_name = "CMS pages"
