"""Everything the load runs need from the bench database, computed in-process with Django.

Run by bench/run.py as `python -m bench.fixtures OUT.json` with the bench environment (the same thing
`manage.py shell` would do). It writes one JSON document:

  sessions      session keys: one for the demo member (page loads), several for vote runs
  csrf          a CSRF secret, sent as the csrftoken cookie and as X-CSRFToken
  urls          the benchmarked URLs (the idea page's final, slugged URL; the 1000th list page)
  vote_ideas    ideas the vote run casts and withdraws votes on
  queries       SQL queries per request, counted with CaptureQueriesContext through the test client
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from api.tokens import token_create  # noqa: E402
from community.models import Member  # noqa: E402
from ideas import selectors  # noqa: E402
from ideas.models import Idea  # noqa: E402
from voting.models import Vote  # noqa: E402

DEMO_EMAIL = "demo@example.com"
VOTE_SESSIONS = 16
VOTE_IDEAS = 500
DEEP_PAGE = 1000
HOST = "127.0.0.1"


def session_key(member: Member) -> str:
    client = Client()
    client.force_login(member)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def deep_page_cursor(pages: int) -> str:
    """The cursor of list page `pages` (default sort), found by walking the selector like a reader would."""
    cursor = ""
    anonymous = AnonymousUser()
    for _ in range(pages - 1):
        page = selectors.idea_list_page(user=anonymous, sort="hot", cursor=cursor)
        if page.next_cursor is None:
            raise SystemExit(f"The list has fewer than {pages} pages; seed more ideas.")
        cursor = page.next_cursor
    return cursor


def discussed_idea() -> Idea:
    """The idea whose pages are measured (and whose votes the websocket clients hear): the one with the
    longest discussion, so the logged-in idea page shows a full page of comments (issue 16 asks for the
    page "with up to 50 comments"; settings.COMMENTS_PAGE_SIZE), the most voted of those."""
    return (
        Idea.objects.listed()
        .exclude(status=Idea.Status.DECLINED)
        .order_by("-comment_count", "-upvote_count", "pk")
        .only("id", "title")
        .first()
    )


def vote_ideas(members: list[Member], *, exclude: int) -> list[int]:
    """Open ideas spread over the 5000 hottest, none voted on yet by the vote members."""
    hottest = list(
        Idea.objects.listed()
        .exclude(status=Idea.Status.DECLINED)
        .exclude(pk=exclude)
        .order_by("-hot_score", "-pk")
        .values_list("pk", flat=True)[:5000]
    )
    voted = set(
        Vote.objects.filter(member__in=members, idea_id__in=hottest).values_list("idea_id", flat=True)
    )
    candidates = [pk for pk in hottest if pk not in voted]
    step = max(1, len(candidates) // VOTE_IDEAS)
    return candidates[::step][:VOTE_IDEAS]


def count_queries(client: Client, method: str, url: str, **extra) -> dict:
    """Queries of one request, measured on a second identical request (caches warm, as in production)."""
    send = client.post if method == "POST" else client.get
    send(url, **extra)
    with CaptureQueriesContext(connection) as captured:
        response = send(url, **extra)
    return {
        "status": response.status_code,
        "count": len(captured.captured_queries),
        "sql": [query["sql"] for query in captured.captured_queries],
    }


def query_counts(*, demo: Member, idea: Idea, idea_url: str, deep_url: str, api_token: str) -> dict:
    anonymous = Client(HTTP_HOST=HOST)
    member = Client(HTTP_HOST=HOST)
    member.force_login(demo)
    counts = {}
    # Lists and anonymous idea pages are normally served from short caches (ideas/page_cache.py: a hit
    # costs 0 queries anonymous, 1 for a member's list); count what a cache miss costs.
    no_caches = override_settings(
        ANONYMOUS_LIST_CACHE_SECONDS=0,
        ANONYMOUS_IDEA_CACHE_SECONDS=0,
        MEMBER_LIST_CACHE_SECONDS=0,
        MEMBER_IDEA_CACHE_SECONDS=0,
    )
    with no_caches:
        for label, url in [("bare", "/bench/bare/"), ("list", "/ideas/"), ("deep_list", deep_url)]:
            counts[f"{label}_anonymous"] = count_queries(anonymous, "GET", url)
        counts["idea_anonymous"] = count_queries(anonymous, "GET", idea_url)
        for label, url in [
            ("bare", "/bench/bare/"),
            ("list", "/ideas/"),
            ("deep_list", deep_url),
            ("idea", idea_url),
        ]:
            counts[f"{label}_member"] = count_queries(member, "GET", url)
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"}
        counts["api_list_token"] = count_queries(anonymous, "GET", "/api/v1/ideas", **bearer)
    # Votes: withdraw first, then two cast+withdraw cycles, keeping the second: every counted request
    # changes a row (a second identical cast would be a cheaper no-op).
    json_accept = {"HTTP_ACCEPT": "application/json"}
    member.post(f"/ideas/{idea.pk}/unvote/", **json_accept)
    for _cycle in range(2):
        for action in ("vote", "unvote"):
            with CaptureQueriesContext(connection) as captured:
                response = member.post(f"/ideas/{idea.pk}/{action}/", {"value": "1"}, **json_accept)
            counts[f"{action}_member"] = {
                "status": response.status_code,
                "count": len(captured.captured_queries),
                "sql": [query["sql"] for query in captured.captured_queries],
            }
    return counts


def demo_api_token(member: Member) -> str:
    _, raw = token_create(
        member=member,
        name="bench",
        scopes=["read"],
        expires_at=timezone.now() + timedelta(days=7),
        mfa_verified=False,
    )
    return raw


def main(out: Path) -> None:
    demo = Member.objects.get(email=DEMO_EMAIL)
    voters = list(Member.objects.filter(is_staff=False).exclude(pk=demo.pk).order_by("pk")[:VOTE_SESSIONS])
    idea = discussed_idea()
    idea_url = idea.get_absolute_url()
    deep_url = f"/ideas/?cursor={deep_page_cursor(DEEP_PAGE)}"
    second_page_url = f"/ideas/?cursor={deep_page_cursor(2)}"
    # The selector's cursor must be what the page's own "Next page" link carries.
    first_page = Client(HTTP_HOST=HOST).get("/ideas/").content.decode()
    if f'href="{second_page_url[len("/ideas/") :]}"' not in first_page:
        raise SystemExit("The first list page does not link to the page after it as expected.")
    api_token = demo_api_token(demo)
    data = {
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "csrf": get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
        "demo_session": session_key(demo),
        "demo_name": demo.public_name,
        "vote_sessions": [session_key(member) for member in voters],
        "vote_ideas": vote_ideas(voters, exclude=idea.pk),
        "idea_id": idea.pk,
        "idea_upvotes": Idea.objects.get(pk=idea.pk).upvote_count,
        "idea_comments": Idea.objects.get(pk=idea.pk).comment_count,
        "urls": {
            "bare": "/bench/bare/",
            "list": "/ideas/",
            "deep_list": deep_url,
            "idea_short": f"/ideas/{idea.pk}/",
            "idea": idea_url,
            "api_list": "/api/v1/ideas",
        },
        # The demo member's read-only personal access token (the API's idea list).
        "api_token": api_token,
        "ideas_total": Idea.objects.count(),
        "votes_total": Vote.objects.count(),
        "members_total": Member.objects.count(),
    }
    data["queries"] = query_counts(
        demo=demo, idea=idea, idea_url=idea_url, deep_url=deep_url, api_token=api_token
    )
    out.write_text(json.dumps(data, indent=2))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
