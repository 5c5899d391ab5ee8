from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("me/", views.profile_edit, name="profile"),
    path("me/export/", views.data_export, name="export"),
    path("me/delete/", views.account_delete, name="delete"),
    path("<int:pk>/", views.member_detail, name="member"),
    path("<int:pk>/segments/", views.member_segments, name="segments"),
    path("<int:pk>/role/", views.member_role, name="role"),
]
