"""Administrators' workflow pages, mounted at /staff/workflows/ (STAFF_PATH_PREFIXES: two-factor auth)."""

from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import workflow_views

app_name = "workflows"
urlpatterns = [
    path("", workflow_views.workflow_list, name="list"),
    path("<slug:product>/", workflow_views.workflow_detail, name="product"),
    path("<slug:product>/customise/", workflow_views.workflow_customise, name="customise"),
    path("<slug:product>/statuses/", workflow_views.workflow_status_add, name="add"),
    path("<slug:product>/statuses/<id:pk>/", workflow_views.workflow_status_update, name="status"),
    path("<slug:product>/statuses/<id:pk>/delete/", workflow_views.workflow_status_delete, name="delete"),
]
