"""Pages rendered once for many viewers, with each viewer's own state filled in per request.

The idea list:

Rendering twenty rows (vote forms, URLs, translations, `timesince`) costs tens of milliseconds, and
everything in them is the same for every member except each vote box: the viewer's CSRF token, whether
they voted, and the count they should see right after their own vote. So the list body is rendered
once per URL (cached briefly by the view, see ideas/page_cache.py) with a marker where each vote box
goes, next to both versions of each box (voted / not voted) with marks for the count and the token.
A request then only joins strings: no JavaScript is needed to see one's own votes, and the counts come
from the same one query that reads the viewer's votes (`selectors.vote_state`).
"""

import hashlib
import re
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from cocreate.shell import CSRF_MARK, fill_csrf_token

from . import selectors

VOTE_SLOT = re.compile(r"<!--vote-box:(\d+)-->")
VOTES_MARK = mark_safe("<!--votes-->")  # noqa: S308 - a constant of ours, no user text
# The shared rendering must not depend on who asked: vote boxes only ask whether someone is logged in.
_ANY_MEMBER = SimpleNamespace(is_authenticated=True)


@dataclass(frozen=True)
class SharedList:
    parts: list[str]  # the body split at the vote boxes: html, idea id, html, idea id, …, html
    vote_boxes: dict[int, tuple[str, str, int]]  # idea id → (not voted, voted, count when rendered)

    @property
    def idea_ids(self) -> list[int]:
        return list(self.vote_boxes)


def render_shared_list(request, context: dict) -> SharedList:
    """Render ideas/_list_body.html for any member; `context` holds what the body shows (page, filters)."""
    # Rendered as nobody in particular: nothing about the requesting member can end up in the shared
    # copy. (The request stays for {% querystring %}: the URL is the cache key anyway.)
    body = render_to_string(
        "ideas/_list_body.html", {**context, "user": AnonymousUser(), "vote_slots": True}, request
    )
    vote_boxes = {}
    for idea in context["page"].ideas:
        box = {
            "idea": idea,
            "user": _ANY_MEMBER,
            "request": request,  # for the `next` field: the list URL, which is also the cache key
            "votes_mark": VOTES_MARK,
            "csrf_token": CSRF_MARK,
        }
        vote_boxes[idea.pk] = (
            render_to_string("ideas/_vote.html", {**box, "my_vote": 0}),
            render_to_string("ideas/_vote.html", {**box, "my_vote": 1}),
            idea.vote_count,
        )
    return SharedList(parts=VOTE_SLOT.split(body), vote_boxes=vote_boxes)


def fill_in(shared: SharedList, *, vote_state: dict[int, tuple[int, int]], csrf_token: str) -> SafeString:
    """The shared list for one member: their vote marked, current counts, their CSRF token."""
    html = []
    for index, part in enumerate(shared.parts):
        if index % 2 == 0:
            html.append(part)
            continue
        idea_id = int(part)
        not_voted, voted, votes = shared.vote_boxes[idea_id]
        votes, my_vote = vote_state.get(idea_id, (votes, 0))
        html.append((voted if my_vote == 1 else not_voted).replace(VOTES_MARK, str(votes)))
    filled = fill_csrf_token("".join(html), csrf_token)
    return mark_safe(filled)  # noqa: S308 - joined from templates' autoescaped output


# --- The idea page's discussion -------------------------------------------------------------------------

# The viewer's links in each comment: Edit on their own, Flag on everyone else's (members only).
_VIEWER_SLOT = re.compile(r"<!--(own|other):(\d+)-->(.*?)<!--/\1-->", re.S)
# The key says everything the lists show, so an entry never goes out of date; this only bounds memory.
COMMENT_LISTS_CACHE_SECONDS = 600


def comment_lists(*, pinned: list, comments: list, user) -> SafeString:
    """The pinned and threaded comments of an idea page (ideas/_comment_lists.html) for a viewer who
    cannot moderate them, rendered once per state of the discussion.

    Rendering thirty comments is most of an idea page's cost, and only their Edit and Flag links
    depend on the viewer. The cache key is built from what the lists show of every comment visible to
    this viewer (thread, edits, pins, visibility, tombstones, the author's name), so a new, edited,
    hidden or pinned comment makes a new key and nobody sees an old copy. The viewer keeps Edit links
    on their own comments and Flag links on the others'. A viewer who sees a hidden or held comment
    (its author) gets a direct rendering: the comment carries the moderator's reason for them alone.
    """
    shown = [*pinned, *selectors.walk(comments)]
    if any(c.visibility != "public" and not getattr(c, "tombstone", False) for c in shown):
        return render_to_string(
            "ideas/_comment_lists.html", {"pinned": pinned, "comments": comments, "user": user}
        )
    state = [
        (
            c.pk,
            c.parent_id,
            c in pinned,
            c.updated_at,
            c.pinned_at,
            c.visibility,
            getattr(c, "tombstone", False),
            c.is_official,
            c.author_id,
            c.author.public_name,
            c.author.is_active,
        )
        for c in shown
    ]
    digest = hashlib.sha256(repr(state).encode()).hexdigest()
    key = f"comment-lists:{get_language()}:{timezone.get_current_timezone_name()}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "ideas/_comment_lists.html",
            {"pinned": pinned, "comments": comments, "edit_slots": True, "user": AnonymousUser()},
        )
        cache.set(key, html, COMMENT_LISTS_CACHE_SECONDS)
    own = {c.pk for c in shown if c.author_id == user.pk} if user.is_authenticated else set()

    def viewer_links(slot):
        if not user.is_authenticated:
            return ""
        mine = int(slot.group(2)) in own
        return slot.group(3) if mine == (slot.group(1) == "own") else ""

    filled = _VIEWER_SLOT.sub(viewer_links, html)
    return mark_safe(filled)  # noqa: S308 - the template's autoescaped output, minus some links
