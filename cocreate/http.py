"""Small helpers for views that answer both browsers (HTML) and scripts (JSON).

JSON answers carry the fixed policy OWASP recommends for APIs, `default-src 'none';
frame-ancestors 'none'`, instead of the page policy (settings.CONTENT_SECURITY_POLICY): a browser
applies a policy to documents only, and a JSON answer is never one, so what matters is that nothing
frames it and that, opened directly, it can load nothing. It is set with django-csp's own `csp`
decorator, which replaces the whole policy of one answer; django-csp's middleware then writes it
(and leaves out the prefixes the settings exclude, as for pages).
"""

from csp.constants import NONE
from csp.decorators import csp
from django.http import JsonResponse

API_POLICY = {"default-src": [NONE], "frame-ancestors": [NONE]}


@csp(API_POLICY)
def _with_api_policy(response):
    return response


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def json_answer(data: dict, *, status: int = 200) -> JsonResponse:
    """A JSON answer with the API policy."""
    return _with_api_policy(JsonResponse(data, status=status))


def json_error(message: str, *, status: int, **extra) -> JsonResponse:
    return json_answer({"error": message, **extra}, status=status)
