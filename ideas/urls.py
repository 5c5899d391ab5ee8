from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import views

app_name = "ideas"
urlpatterns = [
    path("", views.idea_list, name="list"),
    path("new/", views.idea_create, name="create"),
    path("<id:pk>/", views.idea_detail, name="detail"),
    path("<id:pk>-<slug:slug>/", views.idea_detail, name="detail"),
    path("<id:pk>/edit/", views.idea_edit, name="edit"),
    path("<id:pk>/comments/", views.comment_create, name="comment"),
    path("<id:pk>/status/", views.idea_status, name="status"),
    path("<id:pk>/merge/", views.idea_merge, name="merge"),
    path("<id:pk>/notes/", views.internal_note_create, name="note"),
    path("<id:pk>/owner/", views.idea_owner, name="owner"),
    path("merges/<id:merge_pk>/undo/", views.merge_undo, name="merge_undo"),
    path("<id:pk>/follow/", views.idea_follow, name="follow"),
    path("<id:pk>/history/", views.idea_history, name="history"),
    path("<id:pk>/comments/<id:comment_pk>/edit/", views.comment_edit, name="comment_edit"),
    path("<id:pk>/comments/<id:comment_pk>/pin/", views.comment_pin, name="comment_pin"),
    path("preview/", views.markdown_preview, name="preview"),
    path("mentions/", views.mention_suggestions, name="mentions"),
    # Following what ideas are filed under (prototypes have theirs under /prototypes/).
    path("follows/tag/<id:pk>/", views.topic_follow, {"kind": "tag"}, name="follow_tag"),
    path("follows/product/<id:pk>/", views.topic_follow, {"kind": "product"}, name="follow_product"),
    path("follows/campaign/<id:pk>/", views.topic_follow, {"kind": "campaign"}, name="follow_campaign"),
    path("follows/segment/<id:pk>/", views.topic_follow, {"kind": "segment"}, name="follow_segment"),
]
