from django.urls import path

from . import views

app_name = "voting"
urlpatterns = [
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/unvote/", views.unvote, name="unvote"),
]
