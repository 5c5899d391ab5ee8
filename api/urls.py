from django.urls import path, re_path
from django.utils.translation import gettext as _

from cocreate.http import problem

from .v1 import api


def not_found(request):
    # Also keeps CommonMiddleware's APPEND_SLASH and Wagtail's catch-all away from API paths.
    return problem(404, _("There is nothing at this address of the API."))


urlpatterns = [path("v1/", api.urls), re_path(r"^", not_found)]
