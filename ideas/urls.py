from django.urls import path

from . import views

app_name = "ideas"
urlpatterns = [
    path("", views.idea_list, name="list"),
    path("new/", views.idea_create, name="create"),
    path("<int:pk>/", views.idea_detail, name="detail"),
    path("<int:pk>-<slug:slug>/", views.idea_detail, name="detail"),
    path("<int:pk>/edit/", views.idea_edit, name="edit"),
    path("<int:pk>/comments/", views.comment_create, name="comment"),
    path("<int:pk>/status/", views.idea_status, name="status"),
    path("<int:pk>/merge/", views.idea_merge, name="merge"),
    path("merges/<int:merge_pk>/undo/", views.merge_undo, name="merge_undo"),
    path("<int:pk>/follow/", views.idea_follow, name="follow"),
    path("<int:pk>/history/", views.idea_history, name="history"),
    path("<int:pk>/comments/<int:comment_pk>/edit/", views.comment_edit, name="comment_edit"),
    path("<int:pk>/comments/<int:comment_pk>/pin/", views.comment_pin, name="comment_pin"),
    path("preview/", views.markdown_preview, name="preview"),
]
