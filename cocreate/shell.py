"""A member's page around content rendered elsewhere, with the page itself rendered once per member.

Rendering templates/base.html (the head, the site header with its links and translations, the footer)
costs about as much CPU as everything else a cached idea list does for a member (bench/RESULTS.md). Yet
for a customer it only changes with their language, their name and link, their unread count and the
CSRF token of the log-out form. So the page is rendered once with marks where the content, the token
and the unread count go, kept for a minute under a key holding everything else it shows, and each
request fills in the marks.

Rendered directly instead: staff (their header has permission-dependent links) and any request with
messages waiting to be shown (they are part of the page once).
"""

import hashlib
import re

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ideas import page_cache
from notifications.services import unread_cache_key, unread_count

# Only bounds how long a deployed template change takes to show: the key holds what the page shows.
SHELL_SECONDS = 60
_CONTENT_MARK = "<!--page-content-of-the-viewer-->"
# Rendered as the `csrf_token` of a page or fragment shared by many viewers; `fill_csrf_token` puts the
# viewer's own in. The whole attribute pair is replaced, quotes included: escaped user text can never
# contain it.
CSRF_MARK = "csrf-token-of-the-viewer"
_CSRF_ATTRIBUTES = f'name="csrfmiddlewaretoken" value="{CSRF_MARK}"'
_UNREAD_MARK = "unread-count-of-the-viewer"
# base.html's badge, rendered around the mark; removed whole when nothing is unread.
_UNREAD_BADGE = re.compile(rf' <span class="count"[^>]*>{_UNREAD_MARK}</span>')


def fill_csrf_token(html: str, csrf_token: str) -> str:
    return html.replace(_CSRF_ATTRIBUTES, f'name="csrfmiddlewaretoken" value="{csrf_token}"')


def shell_key(member, template_name: str) -> str:
    """The cache key of the page around a member's content: it holds everything that page shows."""
    name = hashlib.sha256(member.public_name.encode()).hexdigest()[:16]
    return f"page-shell:v2:{template_name}:{get_language()}:{member.pk}:{name}"


def render_member_page(
    request, template_name: str, *, content_name: str, content: SafeString, csrf_token: str
) -> HttpResponse:
    """`template_name` with `content` as its context variable `content_name`, for a logged-in member."""
    user = request.user
    context = {content_name: content, "csrf_token": csrf_token}
    if user.is_staff or len(messages.get_messages(request)):
        return render(request, template_name, context)
    key = shell_key(user, template_name)
    unread_key = unread_cache_key(user.pk)
    found = cache.get_many([key, unread_key])  # one round trip for both

    def render_shell() -> str:
        marked = {content_name: mark_safe(_CONTENT_MARK), "csrf_token": CSRF_MARK}  # noqa: S308 - our mark
        shell = render(request, template_name, {**marked, "unread_notifications": _UNREAD_MARK})
        return shell.content.decode()

    # Stale-while-revalidate, like the lists: when the shell expires, one of a member's requests renders
    # it again while the others keep the old one, instead of all of them at once.
    shell = page_cache.get_or_render(key, render_shell, fresh_seconds=SHELL_SECONDS, entry=found.get(key))
    unread = unread_count(user, cached=found.get(unread_key))
    # The badge shows the count, or goes altogether when nothing is unread.
    page = _UNREAD_BADGE.sub(
        lambda badge: badge[0].replace(_UNREAD_MARK, str(unread)) if unread else "", shell
    )
    page = fill_csrf_token(page, csrf_token)
    # The content goes in last, so that nothing inside it is mistaken for a mark of the page.
    before, after = page.split(_CONTENT_MARK, 1)
    return HttpResponse(before + content + after)
