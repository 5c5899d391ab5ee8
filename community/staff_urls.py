"""Administrators' member pages, mounted at /staff/members/ (STAFF_PATH_PREFIXES: two-factor auth)."""

from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import staff_views

app_name = "staff_members"
urlpatterns = [
    path("", staff_views.member_list, name="list"),
    path("<id:pk>/", staff_views.member_roles, name="member"),
    path("<id:pk>/roles/", staff_views.member_role_change, name="roles"),
    path("<id:pk>/segments/", staff_views.member_managed_segments, name="segments"),
]
