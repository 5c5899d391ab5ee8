from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

import cocreate.converters  # noqa: F401  (registers <id:…> before the apps' patterns are read)
from cocreate import health

STARTED = timezone.now()  # the JavaScript catalogue's Last-Modified: catalogues change with a deploy

# Django tries these in order, so the busiest come first: votes, then the idea pages (resolving a
# vote's URL took 18 µs behind the admin's and the idea pages' patterns, 10 µs here).
urlpatterns = [
    path("ideas/", include("voting.urls")),
    path("ideas/", include("ideas.urls")),
    # For load balancers (JSON, 200 or 503) and, in the admin, for staff.
    path("health/", health.health, name="health"),
    path("admin/health/", admin.site.admin_view(health.admin_page), name="admin-health"),
    path("admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    # The translations static/js/*.js use (gettext, ngettext, interpolate), in the request's language.
    # The catalogue changes only with a deploy: browsers revalidate it against the process's start.
    path(
        "jsi18n/",
        last_modified(lambda request: STARTED)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    # Personal access tokens for the API live on the member's profile, but belong to the api app.
    path("members/me/tokens/", include("api.token_urls")),
    path("members/", include("community.urls")),
    path("staff/members/", include("community.staff_urls")),
    path("staff/workflows/", include("ideas.workflow_urls")),
    path("staff/evaluation/", include("ideas.evaluation_urls")),
    path("api/", include("api.urls")),
    path("prototypes/", include("prototypes.urls")),
    path("notifications/", include("notifications.urls")),
    path("search/", include("search.urls")),
    path("moderation/", include("moderation.urls")),
    # Outgoing webhooks (R&D and administrators) and the issue trackers' inbound ones.
    path("webhooks/", include("webhooks.urls")),
    # /triage/, /backlog/, /segments/, /customers/import/
    path("", include("backlog.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database outage is a clear 503 page, anything else Django's 500 (cocreate/outage.py).
handler500 = "cocreate.outage.server_error"

# Wagtail serves the CMS pages, the home page included; keep it last.
urlpatterns += [path("", include(wagtail_urls))]
