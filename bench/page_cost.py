"""App CPU per request of the pages members read, with B measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
        .venv/bin/python -m bench.page_cost [--requests 1000] [--comments 50] [--profile ENDPOINT]

Works on any database seeded with `manage.py seed_demo` (bench/run.py's cocreate_bench by default).
Requests go through Django's WSGIHandler with every middleware, as bench/profile.py sends them, so the
figures are the app's own CPU (not PostgreSQL's or Redis's). Endpoints: B (the bare view), the
anonymous list, the logged-in list, and the logged-in page of an idea with `--comments` comments (about
a fifth of them replies). The script gives that idea, the most voted one as in bench/fixtures.py, that
many comments first, by adding or removing its generated ones (marked in their body), so before/after
runs compare the same page. Each endpoint is measured twice, interleaved with B, and the lower figure
kept: the machine is shared, and the lower figure is the one least disturbed by others.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.profile import environ_for, run  # noqa: E402
from bench.run import BENCH_ENV  # noqa: E402

MARK = "(bench page_cost)"


def ensure_comments(idea, count: int) -> None:
    """Give `idea` exactly `count` comments that this script generated (plus any it had before it)."""
    from community.models import Member
    from ideas.markdown import render_markdown
    from ideas.models import Comment, Idea

    ours = Comment.objects.filter(idea=idea, body__endswith=MARK)
    have = ours.count()
    if have > count:
        extra = list(ours.order_by("-pk").values_list("pk", flat=True)[: have - count])
        Comment.objects.filter(parent_id__in=extra).update(parent=None)
        Comment.objects.filter(pk__in=extra).delete()
    elif have < count:
        authors = list(Member.objects.filter(is_active=True, is_staff=False).order_by("pk")[:40])
        parents = list(ours.filter(parent=None).order_by("pk"))
        for n in range(have, count):
            body = f"Point {n}: this would help **a lot** when travelling. {MARK}"
            parent = parents[n % len(parents)] if parents and n % 5 == 4 else None
            comment = Comment.objects.create(
                idea=idea,
                author=authors[n % len(authors)],
                parent=parent,
                body=body,
                body_html=render_markdown(body),
            )
            if parent is None:
                parents.append(comment)
    Idea.objects.filter(pk=idea.pk).update(
        comment_count=Comment.objects.filter(idea=idea, visibility="public").count()
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=50)
    parser.add_argument("--profile", choices=("list_member", "idea_member", "list_anonymous"))
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args(argv)

    for name, value in BENCH_ENV.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    from bench.fixtures import DEMO_EMAIL, HOST, discussed_idea
    from community.models import Member

    idea = discussed_idea()
    ensure_comments(idea, args.comments)
    demo = Member.objects.get(email=DEMO_EMAIL)
    client = Client(HTTP_HOST=HOST)
    client.force_login(demo)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    member = f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={csrf}"
    idea_url = idea.get_absolute_url()
    endpoints = {
        "bare": ("/bench/bare/", ""),
        "list_anonymous": ("/ideas/", ""),
        "list_member": ("/ideas/", member),
        "idea_member": (idea_url, member),
    }
    handler = WSGIHandler()
    requests = {
        name: (lambda k, path=path, cookie=cookie: environ_for(path, cookie=cookie))
        for name, (path, cookie) in endpoints.items()
    }
    for make in requests.values():  # warm every cache and code path
        run(handler, make, 100)
    results = {name: [] for name in endpoints}
    for _round in range(2):
        for name, make in requests.items():
            results[name].append(run(handler, make, args.requests))
            if name != "bare":
                results["bare"].append(run(handler, requests["bare"], args.requests))
    bare = min(results["bare"])
    print(f"idea {idea.pk} with {args.comments} generated comments; {args.requests} requests per figure")
    print(f"{'endpoint':<16} {'µs CPU/req':>11} {'× B by CPU':>11}")
    for name in endpoints:
        best = min(results[name])
        print(f"{name:<16} {best * 1000:>11.0f} {bare / best:>11.3f}")
    if args.profile:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        run(handler, requests[args.profile], args.requests)
        profiler.disable()
        stats = io.StringIO()
        pstats.Stats(profiler, stream=stats).sort_stats("cumulative").print_stats(args.top)
        print(stats.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
