"""Every error of the API as an RFC 9457 problem (`application/problem+json`).

Inside the API the NinjaAPI's exception handlers (installed by `install`) answer; around it,
ProblemMiddleware turns whatever else answers an error under API_PATH_PREFIX (Django's 404 for an
unknown path, a 405 from django-ninja's path view, a 500 page) into a problem too, so a client parses
one shape for every failure.
"""

import json
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from cocreate.http import PROBLEM_TYPE, is_api_request, problem
from community.limits import RateLimited

logger = logging.getLogger(__name__)


class BadBody(Exception):
    """The body is not a JSON object in UTF-8 (django-ninja wraps this in its HttpError(400))."""


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")  # json.loads takes NaN and Infinity by default


class StrictJSONParser(Parser):
    """UTF-8 JSON objects only: no NaN or Infinity, no top-level arrays or strings."""

    def parse_body(self, request):
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadBody(_("The body is not valid UTF-8.")) from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise BadBody(_("The body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise BadBody(_("The body must be a JSON object."))
        return data


def field_errors(errors) -> list[dict]:
    """pydantic's errors as `{"field", "location", "detail"}`: `field` is the dotted path inside the body
    or query (e.g. "title", "scores.0"), `location` "body", "query" or "path"."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc else "body"
        # django-ninja puts the schema's parameter name second ("body", "payload", "filters"): drop it.
        path = loc[2:] if len(loc) > 2 else loc[1:]
        result.append({"field": ".".join(path), "location": location, "detail": error.get("msg", "")})
    return result


def form_errors(error: DjangoValidationError) -> list[dict]:
    """A Django ValidationError (from a form or a service) as field errors."""
    if hasattr(error, "error_dict"):
        return [
            {"field": field if field != "__all__" else "", "location": "body", "detail": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "location": "body", "detail": message} for message in error.messages]


def form_problem(form, *, names: dict[str, str] | None = None):
    """A Django form's errors (the pages' own rules) as a 422 problem; `names` maps a form field to the
    request's name for it where the two differ."""
    names = {"__all__": "", **(names or {})}
    errors = [
        {"field": names.get(field, field), "location": "body", "detail": error["message"]}
        for field, field_errors in form.errors.get_json_data().items()
        for error in field_errors
    ]
    return invalid(errors)


def invalid(errors: list[dict], status: int = 422):
    detail = "; ".join(e["detail"] for e in errors if e["detail"]) or _("The request is not valid.")
    return problem(status, detail, title=_("Invalid request"), errors=errors)


def install(api) -> None:
    """Replace django-ninja's default handlers with problem answers."""

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        return invalid(field_errors(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc):
        return invalid(form_errors(exc))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        message = str(exc) if str(exc) != "Unauthorized" else _("Log in or send a personal access token.")
        response = problem(401, message)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        cause = exc.__cause__
        if isinstance(cause, BadBody):
            return problem(400, str(cause), title=_("Malformed body"))
        if isinstance(cause, RequestDataTooBig):
            return problem(413, _("The body is too large."))
        return problem(exc.status_code, str(exc))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return problem(403, str(exc) or _("You may not do this."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(404, str(exc) or _("Not found."))

    @api.exception_handler(RateLimited)
    def rate_limited(request, exc):
        response = problem(429, exc.message, retry_after=exc.retry_after)
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return problem(413, _("The body is too large."))

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("API error on %s %s", request.method, request.path)
        return problem(500, _("Something went wrong on our side; it has been logged."))


DETAILS = {
    404: lambda: _("There is nothing at this address of the API."),
    405: lambda: _("This address does not take that method."),
}


class ProblemMiddleware:
    """Any error answered under API_PATH_PREFIX that is not a problem yet becomes one (same status)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_request(request)
            and not response.get("Content-Type", "").startswith(PROBLEM_TYPE)
        ):
            detail = DETAILS.get(response.status_code, lambda: _("The request failed."))()
            converted = problem(response.status_code, detail)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    converted[header] = response[header]
            return converted
        return response

    def process_exception(self, request, exception):
        if is_api_request(request) and not isinstance(exception, Http404 | PermissionDenied):
            logger.exception("API error on %s %s", request.method, request.path)
            return problem(500, _("Something went wrong on our side; it has been logged."))
        return None
