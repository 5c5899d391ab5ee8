from django.urls import path

from ideas import consumers

websocket_urlpatterns = [
    path("ws/ideas/", consumers.IdeaListConsumer.as_asgi()),
    path("ws/ideas/<int:idea_id>/", consumers.IdeaConsumer.as_asgi()),
]
