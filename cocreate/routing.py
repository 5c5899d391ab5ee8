from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)
from ideas import consumers

websocket_urlpatterns = [
    path("ws/ideas/", consumers.IdeaListConsumer.as_asgi()),
    path("ws/ideas/<id:idea_id>/", consumers.IdeaConsumer.as_asgi()),
]
