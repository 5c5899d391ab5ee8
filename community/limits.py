"""Rate limits on posting, commenting, voting and flagging: a clear message and HTTP 429.

Fixed one-window counters in the cache (Redis in production, so every process shares them); while Redis
is unreachable nothing is counted and nothing refused (they fail open). Limits grow
with trust; `RATE_LIMIT_SCALE` multiplies them all (0 turns them off, for benchmarks). Sign-up and log-in
are limited by allauth (ACCOUNT_RATE_LIMITS), which answers 429 the same way.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import ngettext

from cocreate.http import json_error, wants_json

from .trust_levels import BASIC, MEMBER, NEW, TRUSTED

# action → trust level → (requests, per seconds)
RATES = {
    "vote": {NEW: (30, 60), BASIC: (60, 60), MEMBER: (120, 60), TRUSTED: (240, 60)},
    "comment": {NEW: (3, 60), BASIC: (6, 60), MEMBER: (15, 60), TRUSTED: (30, 60)},
    "idea": {NEW: (1, 60), BASIC: (2, 60), MEMBER: (5, 60), TRUSTED: (10, 60)},
    "flag": {NEW: (5, 3600), BASIC: (10, 3600), MEMBER: (30, 3600), TRUSTED: (100, 3600)},
}


class RateLimited(Exception):
    """Too many requests; `retry_after` seconds until the member may try again."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, int(retry_after))


def consume(member, action: str) -> str | None:
    """Count one `action` by `member`; raises RateLimited once over the limit of their trust level.
    Returns the counter's key (for `refund`), or None when nothing was counted."""
    count, seconds = RATES[action][min(member.trust_level, TRUSTED)]
    return consume_window(f"{action}:{member.pk}", count=count, seconds=seconds)


def consume_window(bucket: str, *, count: int, seconds: int) -> str | None:
    """Count one request in `bucket` (e.g. "api:member:<id>", "api:ip:<address>"): `count` per fixed window
    of `seconds`, scaled by RATE_LIMIT_SCALE; raises RateLimited past it. Returns the counter's key (for
    `refund`), or None when nothing was counted."""
    scale = settings.RATE_LIMIT_SCALE
    if scale <= 0:
        return None
    allowed = max(1, int(count * scale))
    now = time.time()
    key = f"ratelimit:{bucket}:{int(now // seconds)}"
    cache.add(key, 0, seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds + 1)
        used = 1
    if used is None:
        return None  # Redis unreachable (the cache answers None): limits fail open, refuse no one
    if used > allowed:
        refund(key)  # a refused attempt is not one more use: waiting the time given is enough
        wait = max(1, int(seconds - now % seconds))
        raise RateLimited(
            ngettext(
                "You are doing that too often. Please wait %(seconds)d second and try again.",
                "You are doing that too often. Please wait %(seconds)d seconds and try again.",
                wait,
            )
            % {"seconds": wait},
            retry_after=wait,
        )
    return key


def refund(key: str) -> None:
    """Give back one use counted by `consume`: the post it counted was refused (a form error, a rule of
    the community) or failed, so nothing was posted."""
    try:
        cache.decr(key)
    except ValueError:  # the window ended meanwhile: its counter is gone, and with it the use
        pass


def too_many_requests(request, error: RateLimited, refused=None, *args, **kwargs):
    """The 429 answer: JSON for scripts; for a page, the form the member sent, filled in as they sent
    it, with the reason and a countdown (`refused`, the view's own form page), or a page that holds
    their text when the view has no form page of its own."""
    if wants_json(request):
        response = json_error(error.message, status=429, retry_after=error.retry_after)
    elif refused is not None and request.method == "POST":
        response = refused(request, error, *args, **kwargs)
        response.status_code = 429
    else:
        # Nothing the member wrote is lost: their text comes back, to send again later.
        fields = (
            [(name, value) for name, value in request.POST.items() if name != "csrfmiddlewaretoken"]
            if request.method == "POST"
            else []
        )
        response = render(
            request,
            "429.html",
            {"limit": limit_context(request, error), "fields": fields, "action": request.path},
            status=429,
        )
    response["Retry-After"] = str(error.retry_after)
    return response


def limit_context(request, error: RateLimited) -> dict:
    """What templates/_rate_limited.html shows beside a refused form: why, how long to wait (a countdown
    by static/js/countdown.js, its starting value written out for browsers without scripts), and the
    names of the files that were not kept, to choose again."""
    minutes, seconds = divmod(error.retry_after, 60)
    hours, minutes = divmod(minutes, 60)
    return {
        "message": error.message,
        "retry_after": error.retry_after,
        "clock": f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}",
        "files": [upload.name for uploads in request.FILES.lists() for upload in uploads[1]],
    }


def rate_limited(action: str, *, refused=None):
    """A view whose logged-in callers spend one `action` per POST that succeeds (an answer below 400): a
    refused or failed post gives its use back. RateLimited raised inside it (a daily cap in
    moderation.policy) also answers 429.

    `refused(request, error, *args, **kwargs)`, when given, renders the view's own form page for a post
    over the limit: the form filled in with what was sent and `limit_context` beside it (status 429)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            key = None
            try:
                if request.method == "POST" and request.user.is_authenticated:
                    key = consume(request.user, action)
                response = view(request, *args, **kwargs)
            except RateLimited as error:
                if key:
                    refund(key)  # a cap inside the view (moderation.policy) refused it: nothing was posted
                return too_many_requests(request, error, refused, *args, **kwargs)
            except BaseException:
                if key:
                    refund(key)  # nothing was posted
                raise
            if key and response.status_code >= 400:
                refund(key)  # refused (a form error, a rule of the community): not a use
            return response

        return wrapper

    return decorator


# Members one idea or comment may @mention, by trust level (ideas.services): more is a form error that
# keeps the text. One number today; a table like RATES so moderation can relax it for trusted members.
MENTIONS_PER_POST = {NEW: 10, BASIC: 10, MEMBER: 10, TRUSTED: 10}


def mention_limit(member) -> int:
    return MENTIONS_PER_POST[min(member.trust_level, TRUSTED)]
