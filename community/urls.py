from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import views

app_name = "community"
urlpatterns = [
    path("me/", views.profile_edit, name="profile"),
    path("language/", views.language_set, name="language"),
    path("me/export/", views.data_export, name="export"),
    path("me/delete/", views.account_delete, name="delete"),
    path("<id:pk>/", views.member_detail, name="member"),
    path("<id:pk>/segments/", views.member_segments, name="segments"),
    path("<id:pk>/role/", views.member_role, name="role"),
]
