"""Small helpers for views that answer both browsers (HTML) and scripts (JSON).

`policy_middleware` gives every answer its Content-Security-Policy. Pages get the page policy
(settings.CONTENT_SECURITY_POLICY) from django-csp's own middleware, which it wraps, with django-csp's
view decorators (`csp_update`, `csp_replace`, `csp_exempt`) and excluded prefixes as django-csp
documents them. JSON answers get the fixed policy OWASP recommends for APIs, `default-src 'none';
frame-ancestors 'none'`, built once with django-csp's `build_policy`: a browser applies a policy to
documents only, and a JSON answer is never one, so what matters is that nothing frames it and that,
opened directly, it can load nothing. django-csp's middleware would build that same policy again for
every answer (about 5 % of a vote's CPU, bench/RESULTS.md 2026-12-05), so JSON answers do not go
through it; a JSON view that needs another policy sets the header itself, and keeps it.

Below those: `safe_next` (the one way a view reads a redirect target from a form), and the limits on
request bodies (`body_limit`, RequestLimitMiddleware, the upload handler, `read_json_object`).
"""

import io
import json
import unicodedata
from dataclasses import dataclass
from http import HTTPStatus

from csp.constants import HEADER, NONE
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

API_POLICY = {"default-src": [NONE], "frame-ancestors": [NONE]}
API_POLICY_HEADER = build_policy(config=API_POLICY)
PROBLEM_TYPE = "application/problem+json"
JSON_TYPES = ("application/json", PROBLEM_TYPE)


def is_json_answer(response) -> bool:
    return response.get("Content-Type", "").startswith(JSON_TYPES)


def _excluded(request) -> bool:
    """The prefixes the page policy leaves to their own defences (the Django and Wagtail admins)."""
    prefixes = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
    return request.path_info.startswith(tuple(prefixes))


def policy_middleware(get_response):
    """django-csp's middleware for pages, the fixed API policy for JSON answers (the module says why)."""
    pages = CSPMiddleware(get_response)

    def middleware(request):
        pages.process_request(request)  # the nonce a template may ask for
        response = get_response(request)
        if not is_json_answer(response):
            return pages.process_response(request, response)
        if HEADER not in response and not _excluded(request):
            response[HEADER] = API_POLICY_HEADER
        return response

    return middleware


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def is_api_request(request) -> bool:
    return request.path.startswith(settings.API_PATH_PREFIX)


def problem(status: int, detail: str, *, title: str | None = None, type: str = "about:blank", **extra):
    """An RFC 9457 problem answer: `type`, `title` (the status's phrase unless given), `status`,
    `detail` (what went wrong, for people), plus any members in `extra` (e.g. `errors`)."""
    body = {"type": type, "title": title or HTTPStatus(status).phrase, "status": status, "detail": detail}
    return JsonResponse({**body, **extra}, status=status, content_type=PROBLEM_TYPE)


def json_error(message: str, *, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


# --- Redirect targets taken from a form ---------------------------------------------------------------


MAX_NEXT_LENGTH = 2000  # longer than any page of ours with its query; a Location header stays small


def safe_next(request, default: str) -> str:
    """The `next` field of a POST (or the query) if it is a path on this site, else `default`.

    The answer is a URL path for `HttpResponseRedirect`, never something for `redirect()` to resolve
    as a view name: `next=1` once made `redirect("1")` look up a view called "1" (a 500). A path here
    starts with one "/", names no other host or scheme, and holds no control characters (a newline in
    a Location header is an error too).
    """
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        isinstance(candidate, str)
        and 0 < len(candidate) <= MAX_NEXT_LENGTH
        and candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and not any(unicodedata.category(ch)[0] == "C" for ch in candidate)
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def redirect_to_next(request, default: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, default))


# --- Bounded request bodies -----------------------------------------------------------------------------
#
# The limits, all in Django (a proxy in front may add its own, never replaces them):
#   - per view, the whole body: `@body_limit(...)` on the view, else REQUEST_MAX_BYTES (ADMIN_REQUEST_
#     MAX_BYTES under STAFF_PATH_PREFIXES). RequestLimitMiddleware answers 413 from Content-Length before
#     a byte of the body is read;
#   - per file, while it streams: BodyLimitUploadHandler stops keeping a file past the view's per-file
#     limit (the form then says which file was too large, and keeps everything else that was typed),
#     and stops the whole upload if more bytes arrive than the view allows (a second line: Django reads
#     no more than Content-Length, already checked);
#   - Django's own limits, answered with the same page instead of a bare 400: the text fields together
#     (DATA_UPLOAD_MAX_MEMORY_SIZE) and the number of files (DATA_UPLOAD_MAX_NUMBER_FILES);
#   - per field, in the forms (cocreate.images for pictures: bytes and pixels).


@dataclass(frozen=True)
class BodyLimits:
    max_bytes: int
    max_file_bytes: int


def body_limit(max_bytes, *, max_file_bytes=None):
    """Give a view its own body limits: ints, or callables that read settings (called per request)."""

    def decorate(view):
        view.body_limits = (max_bytes, max_file_bytes)
        return view

    return decorate


def _value(limit):
    return int(limit() if callable(limit) else limit)


def body_limits_for(request, view_func) -> BodyLimits:
    own = getattr(view_func, "body_limits", None)
    if own is not None:
        total = _value(own[0])
        return BodyLimits(total, _value(own[1]) if own[1] is not None else total)
    if request.path.startswith(tuple(settings.STAFF_PATH_PREFIXES)):
        total = settings.ADMIN_REQUEST_MAX_BYTES
    elif is_api_request(request):
        total = settings.API_REQUEST_MAX_BYTES
    else:
        total = settings.REQUEST_MAX_BYTES
    return BodyLimits(total, total)


def declared_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # what Django's request reads then: nothing


def request_too_large(request, message: str, *, limit: int):
    """413: a problem under the API, JSON for scripts, a page that says what the limit is for browsers."""
    if is_api_request(request):
        response = problem(413, message, limit=limit)
    elif wants_json(request) or request.content_type == "application/json":
        response = json_error(message, status=413, limit=limit)
    else:
        response = render(request, "413.html", {"message": message}, status=413)
    # The body was not read to its end: the connection cannot carry another request.
    response["Connection"] = "close"
    return response


def body_too_large(request, limits: BodyLimits):
    message = _("What you sent is too large: at most %(limit)s can be sent here at once.") % {
        "limit": filesizeformat(limits.max_bytes)
    }
    if limits.max_file_bytes < limits.max_bytes:
        message += " " + _("Each file may be at most %(limit)s.") % {
            "limit": filesizeformat(limits.max_file_bytes)
        }
    return request_too_large(request, message, limit=limits.max_bytes)


def text_too_large(request):
    """Django's own limit on the form fields other than files (DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = _("The text you sent is too long: at most %(limit)s of text can be sent at once.") % {
        "limit": filesizeformat(limit)
    }
    return request_too_large(request, message, limit=limit)


def too_many_files(request):
    """Django's own limit on the files in one request (DATA_UPLOAD_MAX_NUMBER_FILES); its answer would
    be a bare 400 page."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    message = ngettext(
        "Too many files at once: at most %(count)d can be sent together.",
        "Too many files at once: at most %(count)d can be sent together.",
        limit,
    ) % {"count": limit}
    return request_too_large(request, message, limit=limit)


class OversizeUpload(UploadedFile):
    """Stands in for a file that was longer than its view allows: its name, and `size` at least the bytes
    that arrived before it was dropped, so the form's size check names it; its content is empty."""

    def __init__(self, name, content_type, size, charset=None, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)


class BodyLimitUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts what streams in and stops what goes past the limits."""

    def __init__(self, request, limits: BodyLimits):
        super().__init__(request)
        self.limits = limits
        self.received = 0
        self.over_limit = False
        self.file_bytes = 0
        self.file_oversize = False

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, extra)
        self.file_bytes = 0
        self.file_oversize = content_length is not None and content_length > self.limits.max_file_bytes

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limits.max_bytes:
            self.over_limit = True
            raise StopUpload(connection_reset=True)  # read no more of this body
        self.file_bytes += len(raw_data)
        if self.file_bytes > self.limits.max_file_bytes:
            self.file_oversize = True
        return None if self.file_oversize else raw_data  # None: the next handlers keep nothing more

    def file_complete(self, file_size):
        if not self.file_oversize:
            return None  # the next handler (memory or temporary file) hands out the file
        return OversizeUpload(
            self.file_name, self.content_type, max(self.file_bytes, self.limits.max_file_bytes + 1)
        )


def _is_multipart(request) -> bool:
    return request.content_type == "multipart/form-data"


class RequestLimitMiddleware:
    """Answers 413 before the view (and before CSRF reads the form) when a body is over its view's limit.

    Listed before CsrfViewMiddleware: its `process_view` must see the request before anything reads the
    body, both to refuse from Content-Length alone and to put the limiting upload handler first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limits = body_limits_for(request, view_func)
        if declared_length(request) > limits.max_bytes:
            return body_too_large(request, limits)
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        handler = None
        if _is_multipart(request):
            handler = BodyLimitUploadHandler(request, limits)
            request.upload_handlers.insert(0, handler)
        try:
            # Parse a form now, with the limits (CSRF would parse it next anyway, and Django's answer to
            # its own limits would be a bare 400 page). Other bodies (JSON) are left unread.
            request.POST  # noqa: B018
            request.FILES  # noqa: B018
        except RequestDataTooBig:
            return text_too_large(request)
        except TooManyFilesSent:
            return too_many_files(request)
        if handler is not None and handler.over_limit:
            return body_too_large(request, limits)
        return None


class BodyError(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def read_body(request, max_bytes: int) -> bytes:
    """The raw body, reading at most `max_bytes` + 1 bytes; BodyError(413) past that."""
    if declared_length(request) > max_bytes:
        raise BodyError(_("The body is too large."), 413)
    data = request.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise BodyError(_("The body is too large."), 413)
    return data


def read_json_object(request, max_bytes: int) -> dict:
    """A JSON object from the body, or BodyError: 413 too large, 400 not a JSON object."""
    raw = read_body(request, max_bytes)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BodyError(_("The body is not valid JSON."), 400) from None
    if not isinstance(data, dict):
        raise BodyError(_("The body must be a JSON object."), 400)
    return data


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")  # json.loads accepts NaN and Infinity by default
