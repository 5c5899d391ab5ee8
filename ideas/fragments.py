"""The idea list and the idea page as members read them: rendered once for every member, each member's
own parts filled in per request.

How a page is shared and filled is cocreate/holes.py's mechanism; this module says what the holes of
these two pages are and what each member gets in them:

- "member_nav": the header's links (name, unread badge, log-out form): templates/_member_nav.html,
  rendered once per member and kept in each process, with holes of its own for the badge and the token;
- "csrf_token": the viewer's token, in every form;
- "vote_box": the vote box rendered twice when the page is shared (voted / not voted), with holes for
  the current count ("votes") and the token; the member's vote and the count come from one query;
- on the idea page, "idea_actions": Edit and History for its author, Flag for the others, the follow
  button either way, and "comment_links": Edit on one's own comments, Flag on the others'. Each is
  rendered once per answer of the server's permission predicates (community.permissions:
  may_edit_idea, may_see_history, may_edit_comment) and the request picks the one its viewer's
  answers name, so a link shows exactly when the server would accept its request: an author who may
  not contribute now (suspended, banned) gets History but no Edit, and no Flag on their own.

A new copy of an idea page renders only what changed in its discussion: the threads (which comment goes
where) and each comment, with its two sets of links, are kept in the cache under keys that are digests of
everything they show (`discussion_fragment_key`, `comment_fragment_key`), read in one round trip and
spliced into the page (`Holed.splice`).

The shared copies are kept briefly (settings.MEMBER_LIST_CACHE_SECONDS, MEMBER_IDEA_CACHE_SECONDS, with
ideas/page_cache.py's stale-while-revalidate). What a member did themselves shows at once: votes and
follows are read per request, and a copy of an idea page older than the member's own latest comment is
rendered anew (ideas/views.py).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from cocreate.holes import Hole, Holed, render_holed
from cocreate.when import relative
from community import permissions
from notifications.services import unread_count

from .page_cache import LocalCopies
from .templatetags.follows import follow_button_context

CSRF_TOKEN = Hole("csrf_token")


def member(pk: int | None) -> SimpleNamespace:
    """The viewer a shared rendering assumes: a logged-in member who is not staff, with this id (None:
    nobody in particular), so that nothing about the requesting member ends up in the shared copy."""
    return SimpleNamespace(pk=pk, is_authenticated=True, is_staff=False)


def shared_context(context: dict) -> dict:
    """A page's context for its shared rendering: holes for the viewer's token and parts."""
    return {**context, "shared": True, "user": member(None), "csrf_token": CSRF_TOKEN}


@dataclass(frozen=True)
class MemberNav:
    """A member's header links (templates/_member_nav.html), with holes for the token and the badge."""

    links: Holed
    badge: Holed  # the unread badge, with a hole for the count


# The header of a member who is not staff shows only their language, id and name: rendered once per
# process for each (language, id, name) it meets, and kept in the process (the last MEMBER_NAVS), so a
# page asks the cache nothing for it. A changed name is another key; a deploy starts new processes.
MEMBER_NAVS = 4096
member_navs = LocalCopies(MEMBER_NAVS)


def _member_nav(user) -> MemberNav:
    key = f"{get_language()}:{user.pk}:{user.public_name}"
    nav = member_navs.get(key)
    if nav is None:
        nav = MemberNav(
            links=render_holed("_member_nav.html", {"user": user, "shared": True, "csrf_token": CSRF_TOKEN}),
            badge=render_holed("_unread_badge.html", {"unread": Hole("unread_count")}),
        )
        member_navs.put(key, nav)
    return nav


def member_fillers(request) -> dict:
    """What a member's page puts in the holes of base.html and of its forms (no round trip of its own:
    the unread count comes with the member, notifications.services.unread_count)."""
    user = request.user
    nav = _member_nav(user)
    unread = unread_count(user)
    csrf_token = get_token(request)  # one masked token for the whole page: masking costs CPU
    return {
        "csrf_token": lambda _key: csrf_token,
        "member_nav": lambda _key: nav.links,
        "unread_badge": lambda _key: nav.badge if unread else "",
        "unread_count": lambda _key: str(unread),
    }


def _vote_boxes(request, idea) -> tuple[Holed, Holed]:
    """An idea's vote box, not voted and voted, with holes for the count and the token."""
    box = {
        "idea": idea,
        "user": member(None),
        "request": request,  # for the `next` field: the page's URL, which is also its cache key
        "votes_mark": Hole("votes", idea.pk),
        "csrf_token": CSRF_TOKEN,
    }
    return (
        render_holed("ideas/_vote.html", {**box, "my_vote": 0}),
        render_holed("ideas/_vote.html", {**box, "my_vote": 1}),
    )


# --- The idea list --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedList:
    page: Holed  # ideas/list.html
    vote_boxes: dict[int, tuple[Holed, Holed, int]]  # idea id → (not voted, voted, count when rendered)
    # The tag and product the list is filtered by: a "topic_follow" hole each, keyed by position.
    topics: tuple = ()

    @property
    def idea_ids(self) -> list[int]:
        return list(self.vote_boxes)


def render_shared_list(request, context: dict) -> SharedList:
    """ideas/list.html for any member; `context` holds what the list shows (page, filters)."""
    page = render_holed("ideas/list.html", shared_context(context), request)
    vote_boxes = {idea.pk: (*_vote_boxes(request, idea), idea.vote_count) for idea in context["page"].ideas}
    return SharedList(page=page, vote_boxes=vote_boxes, topics=tuple(context.get("follow_topics", ())))


def topic_follow_fillers(request, shared: SharedList) -> dict:
    """The follow button of the list's tag or product for this member (one query each, only on lists
    filtered by one)."""

    def button(index):
        context = follow_button_context(request, shared.topics[index])
        return render_to_string("ideas/_follow_topic.html", context, request)

    return {"topic_follow": button} if shared.topics else {}


def list_for_member(
    shared: SharedList, *, vote_state: dict[int, tuple[int, int]], fillers: dict
) -> SafeString:
    """The shared list for one member: their votes marked, the current counts (`selectors.vote_state`)."""

    def state(idea_id):
        return vote_state.get(idea_id, (shared.vote_boxes[idea_id][2], 0))

    return shared.page.fill(
        {
            **fillers,
            "vote_box": lambda idea_id: shared.vote_boxes[idea_id][state(idea_id)[1] == 1],
            "votes": lambda idea_id: str(state(idea_id)[0]),
        }
    )


# --- The idea page --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedIdeaPage:
    page: Holed  # ideas/detail.html
    author_id: int
    vote_boxes: tuple[Holed, Holed]
    # (may edit, may see history, follows) → the idea's actions
    actions: dict[tuple[bool, bool, bool], Holed]
    # comment id → (author id, the author's if they may edit it, the author's if not, the others')
    comment_links: dict[int, tuple[int, str, str, str]]
    # What the copy saw of the idea's comments (selectors.Discussion): a member's own comment posted or
    # edited since is missing from it.
    latest_id: int
    latest_updated_at: datetime | None


# The non-staff viewers the idea's actions are rendered for, by the answers of
# (permissions.may_edit_idea, permissions.may_see_history): the author allowed to edit, the author who
# may not contribute now, anyone else. For members who are not staff no other answer exists.
IDEA_VIEWERS = {(True, True): "author", (False, True): "author", (False, False): "other"}


def render_shared_idea_page(request, context: dict) -> SharedIdeaPage:
    """ideas/detail.html for any member who is not staff; `context` as views._detail_context builds it
    for nobody in particular."""
    idea, discussion = context["idea"], context["discussion"]
    page = render_holed("ideas/detail.html", shared_context(context), request)  # a "discussion" hole
    actions = {}
    for (may_edit, may_see_history), who in IDEA_VIEWERS.items():
        viewer = member(idea.author_id if who == "author" else None)
        for following in (False, True):
            actions[may_edit, may_see_history, following] = render_holed(
                "ideas/_idea_actions.html",
                {
                    "idea": idea,
                    "user": viewer,
                    "may_edit": may_edit,
                    "may_see_history": may_see_history,
                    "following": following,
                    "csrf_token": CSRF_TOKEN,
                },
            )
    # The discussion's threads (where each comment goes), and each comment with its links for its author
    # and for the others, are kept rendered under keys that name everything they show: a new copy of the
    # page renders only what changed, and reads what did not in one round trip.
    comments = {c.pk: c for c in discussion.comments if not getattr(c, "tombstone", False)}
    keys = {pk: comment_fragment_key(comment, context) for pk, comment in comments.items()}
    threads_key = discussion_fragment_key(context)
    kept = cache.get_many([threads_key, *keys.values()])
    new = {}
    threads = kept.get(threads_key)
    if threads is None:
        threads = new[threads_key] = render_holed("ideas/_comment_lists.html", shared_context(context))
    fragments = {}
    for pk, comment in comments.items():
        fragment = kept.get(keys[pk])
        if fragment is None:
            fragment = new[keys[pk]] = _render_comment(comment, context)
        fragments[pk] = fragment
    if new:
        cache.set_many(new, DISCUSSION_FRAGMENT_SECONDS)
    page = page.splice("discussion", lambda _key: threads).splice("comment", lambda pk: fragments[pk].article)
    comment_links = {pk: (f.author_id, f.editable, f.own, f.other) for pk, f in fragments.items()}
    return SharedIdeaPage(
        page=page,
        author_id=idea.author_id,
        vote_boxes=_vote_boxes(request, idea),
        actions=actions,
        comment_links=comment_links,
        latest_id=discussion.latest_id,
        latest_updated_at=discussion.latest_updated_at,
    )


# Only bounds how long a deployed template change takes to show: the keys name what the fragments show.
DISCUSSION_FRAGMENT_SECONDS = 600


@dataclass(frozen=True)
class CommentFragment:
    """A comment as the members' shared page shows it: ideas/_comment_article.html, with a hole for the
    viewer's links, and those links for its author and for the others (ideas/_comment_links.html)."""

    article: Holed
    author_id: int
    editable: str  # for its author while they may edit it (permissions.may_edit_comment)
    own: str  # for its author when they may not (suspended, banned): no Edit, no Flag
    other: str


def discussion_fragment_key(context: dict) -> str:
    """The cache key of a page of threads (ideas/_comment_lists.html and _comment.html in the shared
    rendering, a "comment" hole for each comment): a digest of what they show besides the comments
    themselves (which comments go where, the page's links), and the language."""

    def shape(threads):
        return tuple(
            (c.pk, c.is_official, bool(getattr(c, "tombstone", False)), shape(replies))
            for c, replies in threads
        )

    discussion = context["discussion"]
    shown = (
        context["idea"].get_absolute_url(),
        tuple((c.pk, c.is_official) for c in discussion.pinned),
        shape(discussion.threads),
        discussion.after,
        discussion.next_after,
        bool(context.get("may_moderate")),
        bool(context.get("may_pin")),
    )
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:32]
    return f"discussion-fragment:{_locale()}:{context['idea'].pk}:{digest}"


def _locale() -> str:
    """What a rendering's words and dates depend on besides the values shown: language and time zone."""
    return f"{get_language()}:{timezone.get_current_timezone_name()}"


def comment_fragment_key(comment, context: dict) -> str:
    """The cache key of a comment's fragment: a digest of every value ideas/_comment_article.html and
    _comment_links.html read in the shared rendering (keep it in step with them), language and time zone."""
    author = comment.author
    shown = (
        comment.pk,
        comment.idea_id,
        comment.author_id,
        author.public_name,
        author.is_active,
        comment.created_at.isoformat(),
        relative(comment.created_at),  # "2 hours ago" changes with the clock: a new key when its words do
        comment.is_official,
        comment.pinned_at and comment.pinned_at.isoformat(),
        comment.visibility,
        comment.body_html,
        bool(getattr(comment, "moderation_note", None)),
        bool(context.get("may_moderate")),
        bool(context.get("may_pin")),
    )
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:32]
    return f"comment-fragment:{_locale()}:{comment.pk}:{digest}"


def _render_comment(comment, context: dict) -> CommentFragment:
    article = render_holed(
        "ideas/_comment_article.html",
        {
            "comment": comment,
            "shared": True,
            "user": member(None),
            "csrf_token": CSRF_TOKEN,
            "may_moderate": context.get("may_moderate"),
            "may_pin": context.get("may_pin"),
        },
    )
    author, nobody = member(comment.author_id), member(None)
    editable, own, other = (
        render_to_string(
            "ideas/_comment_links.html",
            {"comment": comment, "user": viewer, "editable_comments": editable_comments},
        )
        for viewer, editable_comments in ((author, {comment.pk}), (author, ()), (nobody, ()))
    )
    return CommentFragment(
        article=article, author_id=comment.author_id, editable=editable, own=own, other=other
    )


def idea_page_for_member(shared: SharedIdeaPage, *, viewer, state, fillers: dict) -> SafeString:
    """The shared idea page for one member; `state` is their `selectors.idea_viewer_state`. Each hole
    gets the version the server's own predicates choose for this viewer."""
    idea = SimpleNamespace(author_id=shared.author_id)
    may_edit = permissions.may_edit_idea(viewer, idea)
    may_see_history = permissions.may_see_history(viewer, idea)

    # may_edit_comment answers from the viewer and whether the comment is theirs (its docstring says so),
    # so it is asked twice per page, for one of the viewer's comments and for someone else's, not once per
    # comment: 50 comments by 50 authors made it a sixth of the request.
    viewer_id = viewer.pk
    own = 0 if permissions.may_edit_comment(viewer, SimpleNamespace(author_id=viewer_id)) else 1
    others = 0 if permissions.may_edit_comment(viewer, SimpleNamespace(author_id=None)) else 2

    def comment_links(comment_id):
        author_id, *links = shared.comment_links[comment_id]
        return links[own if viewer_id is not None and author_id == viewer_id else others]

    return shared.page.fill(
        {
            **fillers,
            "vote_box": lambda _idea_id: shared.vote_boxes[state.my_vote == 1],
            "votes": lambda _idea_id: str(state.votes),
            "idea_actions": lambda _key: shared.actions[may_edit, may_see_history, state.following],
            "comment_links": comment_links,
        }
    )
