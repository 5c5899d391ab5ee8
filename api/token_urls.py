from django.urls import path

import cocreate.converters  # noqa: F401  (registers the <id:…> converter)

from . import token_views

app_name = "api_tokens"
urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("<id:pk>/revoke/", token_views.token_revoke, name="revoke"),
]
