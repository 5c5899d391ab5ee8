"""The project's URLs with a bare view in front: the baseline B that every endpoint is compared to.

The bare view passes through the same middleware stack (sessions, CSRF, auth, allauth, CSP, Wagtail
redirects) but does no work of its own, so rps(endpoint) / rps(B) is the share of the server's capacity
that the endpoint keeps.
"""

from django.http import HttpResponse
from django.urls import path

from cocreate.urls import urlpatterns as project_urlpatterns


def bare_view(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare_view), *project_urlpatterns]
