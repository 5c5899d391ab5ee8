"""Small helpers for views that answer both browsers (HTML) and scripts (JSON)."""

from django.http import JsonResponse


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def json_error(message: str, *, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)
