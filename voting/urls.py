from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import views

app_name = "voting"
urlpatterns = [
    path("<id:pk>/vote/", views.vote, name="vote"),
    path("<id:pk>/unvote/", views.unvote, name="unvote"),
]
