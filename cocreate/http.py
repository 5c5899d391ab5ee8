"""Small helpers for views that answer both browsers (HTML) and scripts (JSON).

JSON answers carry the fixed policy OWASP recommends for APIs, `default-src 'none';
frame-ancestors 'none'`, instead of the page policy (settings.CONTENT_SECURITY_POLICY): a browser
applies a policy to documents only, and a JSON answer is never one, so what matters is that nothing
frames it and that, opened directly, it can load nothing. `api_policy_middleware` gives it to every
JSON answer with django-csp's own `csp` decorator, which replaces the page policy of one answer; a
view's own `csp_update`, `csp_replace` or `csp_exempt` still applies on top, and django-csp's
middleware writes the header (leaving out the prefixes the settings exclude, as for pages).
"""

from csp.constants import NONE
from csp.decorators import csp
from django.http import JsonResponse

API_POLICY = {"default-src": [NONE], "frame-ancestors": [NONE]}


@csp(API_POLICY)
def _with_api_policy(response):
    return response


def api_policy_middleware(get_response):
    """Listed after django-csp's middleware, so that it sees the answer first on its way out."""

    def middleware(request):
        response = get_response(request)
        if response.get("Content-Type", "").startswith("application/json"):
            return _with_api_policy(response)
        return response

    return middleware


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def json_error(message: str, *, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)
