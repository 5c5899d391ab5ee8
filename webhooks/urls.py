from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoints, name="endpoints"),
    path("new/", views.endpoint_edit, name="endpoint_new"),
    path("<id:pk>/", views.endpoint_detail, name="endpoint"),
    path("<id:pk>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("<id:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("<id:pk>/active/", views.endpoint_active, name="endpoint_active"),
    path("<id:pk>/deliveries/<id:delivery_pk>/replay/", views.delivery_replay, name="delivery_replay"),
    # The issue trackers' inbound webhooks: authenticated by their signatures, not by a session.
    path("github/", views.github, name="github"),
    path("jira/", views.jira, name="jira"),
]
