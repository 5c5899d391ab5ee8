"""Where one endpoint's CPU goes: requests through the full WSGI stack in this process, timed and profiled.

    .venv/bin/python -m bench.profile list_member [--requests 2000] [--profile] [--top 40]

Runs after `bench/run.py` has seeded cocreate_bench and written bench/out/fixtures.json (sessions, URLs,
vote targets). Each request goes through Django's WSGIHandler with every middleware, exactly as granian
calls it, but without the network, so the CPU time per request is the app's own (PostgreSQL and Redis
work is not counted). It also runs B, the bare view, so the ratio is measured in the same run.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BENCH_ENV, OUT, VOTE_LAG  # noqa: E402

ENDPOINTS = (
    "bare", "list_anonymous", "list_member", "deep_list_member", "idea_member", "vote", "api_list_token",
)  # fmt: skip


def environ_for(path: str, *, cookie: str = "", method: str = "GET", body: bytes = b"", headers=None) -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.split("?", 1)[0],
        "QUERY_STRING": path.split("?", 1)[1] if "?" in path else "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8001",
        "HTTP_HOST": "127.0.0.1:8001",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    for name, value in (headers or {}).items():
        environ[name] = value
    return environ


def requests_for(endpoint: str, fixtures: dict):
    """A function k -> WSGI environ for the endpoint's k-th request (votes follow bench/load.lua)."""
    urls = fixtures["urls"]
    member = f"{fixtures['session_cookie_name']}={fixtures['demo_session']}; csrftoken={fixtures['csrf']}"
    simple = {
        "bare": (urls["bare"], ""),
        "list_anonymous": (urls["list"], ""),
        "list_member": (urls["list"], member),
        "deep_list_member": (urls["deep_list"], member),
        "idea_member": (urls["idea"], member),
    }
    if endpoint in simple:
        path, cookie = simple[endpoint]
        return lambda k: environ_for(path, cookie=cookie)
    if endpoint == "api_list_token":
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {fixtures['api_token']}"}
        return lambda k: environ_for(urls["api_list"], headers=bearer)
    ideas, sessions = fixtures["vote_ideas"], fixtures["vote_sessions"]
    pairs = len(ideas) * len(sessions)

    def pair(p):
        p %= pairs
        return ideas[p % len(ideas)], sessions[p // len(ideas) % len(sessions)]

    def vote(k):
        action, (idea, session) = (
            ("vote", pair(k // 2)) if k % 2 == 0 else ("unvote", pair((k - 1) // 2 - VOTE_LAG))
        )
        return environ_for(
            f"/ideas/{idea}/{action}/",
            method="POST",
            body=b"value=1",
            cookie=f"{fixtures['session_cookie_name']}={session}; csrftoken={fixtures['csrf']}",
            headers={
                "HTTP_X_CSRFTOKEN": fixtures["csrf"],
                "HTTP_ACCEPT": "application/json",
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
            },
        )

    return vote


def run(handler, make_environ, count: int, *, offset: int = 0) -> float:
    """CPU ms per request over `count` requests."""
    statuses = {}

    def start_response(status, headers, exc_info=None):
        statuses[status] = statuses.get(status, 0) + 1

    started = time.process_time()
    for k in range(offset, offset + count):
        response = handler(make_environ(k), start_response)
        for _chunk in response:
            pass
        response.close()
    elapsed = time.process_time() - started
    bad = {status: n for status, n in statuses.items() if not status.startswith(("200", "301", "302"))}
    if bad:
        raise SystemExit(f"unexpected statuses: {bad}")
    return elapsed * 1000 / count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", choices=ENDPOINTS)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the endpoint's requests")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    args = parser.parse_args(argv)

    os.environ.update(BENCH_ENV)
    import django
    from django.core.handlers.wsgi import WSGIHandler

    django.setup()
    fixtures = json.loads((OUT / "fixtures.json").read_text())
    handler = WSGIHandler()
    bare, target = requests_for("bare", fixtures), requests_for(args.endpoint, fixtures)
    warm = min(200, args.requests)
    run(handler, bare, warm)
    run(handler, target, warm)
    offset = warm
    bare_ms = run(handler, bare, args.requests)
    if args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for PostgreSQL or Redis
        profiler.enable()
    target_ms = run(handler, target, args.requests, offset=offset)
    if args.profile:
        profiler.disable()
        stats = io.StringIO()
        pstats.Stats(profiler, stream=stats).sort_stats(args.sort).print_stats(args.top)
        print(stats.getvalue())
    bare_after = run(handler, bare, args.requests)
    baseline = (bare_ms + bare_after) / 2
    print(
        f"{args.endpoint}: {target_ms:.3f} ms CPU/request; B: {baseline:.3f} ms; "
        f"× B by CPU: {baseline / target_ms:.2f}" + (" (profiled: slower than real)" if args.profile else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
