from django.apps import AppConfig


class CmsConfig(AppConfig):
    """Wagtail pages: home, campaigns, content pages, the public roadmap and the release notes."""

    name = "cms"
    verbose_name = "CMS pages"

    def ready(self):
        from wagtail.signals import page_published

        from .models import ReleaseNotePage
        from .releases import on_page_published

        page_published.connect(
            on_page_published, sender=ReleaseNotePage, dispatch_uid="cms.release_published"
        )
