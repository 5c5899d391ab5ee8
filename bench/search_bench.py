"""Search latency at 100k ideas on PostgreSQL: database full-text search beside a plain `icontains`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate_searchbench \
        .venv/bin/python bench/search_bench.py --setup   # once: create, migrate, seed 100k + 1M votes, index
    DATABASE_URL=... .venv/bin/python bench/search_bench.py   # measure
    DATABASE_URL=... SEARCH_FACET_CACHE_SECONDS=0 .venv/bin/python bench/search_bench.py   # no facet cache

Each query is run `--runs` times after a warm-up, in-process through the ORM (no HTTP), and the script
prints p50/p99/mean per variant:
  fts-core   the ranked page: match + filter + ts_rank ORDER BY … LIMIT 20, plus the total count
             (counted as search does: up to 1,001, the most the pages can show)
  fts-full   search.backend().query(): the above + highlighted snippets + the five facets' counts
  fts-page   search.selectors.search_page(): what /search/ runs, i.e. fts-full + loading the 20 ideas
             + the comments and prototypes counts of the tabs
  icontains  the same words with `title__icontains OR body__icontains` per word, same filter, sorted by
             votes, LIMIT 20, plus the count (no ranking, no facets: the cheapest honest baseline)
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.standalone import own_database, setup_django  # noqa: E402

QUERIES = [
    # (text, filters), chosen for seed_demo's vocabulary at 100k ideas (its titles no longer say "lock"
    # or "routes", which earlier runs used). Two words and one filter: "share photos" + new ~1,450
    # matches, "share screen" ~230, "offline screen" + planned ~20.
    ("share photos", {"status": "new"}),
    ("share screen", {"status": "new"}),
    ("offline screen", {"status": "planned"}),
    # Broad: one common word, no filter ("screen" ~12k ideas, like "lock"'s 13.5k before;
    # "notifications" ~17k; "camera" ~27k): exact facets and totals would read all of them.
    ("screen", {}),
    ("notifications", {}),
    ("camera", {}),
]


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(fn, runs, warmup):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def setup(ideas: int, votes: int):
    """100k ideas with seed_demo's long tail of votes: with none, the votes index lists the documents
    in the table's own order, which flatters the best-voted window's index walk (bench/RESULTS.md,
    2026-12-05 21:36)."""
    from django.core.management import call_command
    from django.db import connection

    own_database()
    call_command("seed_demo", ideas=ideas, votes=votes, comments=0, members=2000, if_empty=True)
    call_command("search_index", rebuild=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--setup", action="store_true", help="create, migrate, seed and index first")
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000, help="seeded with --setup (a long tail)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument(
        "--variants",
        default="fts-core,fts-full,fts-page,icontains",
        help="comma-separated: which of fts-core, fts-full, fts-page, icontains to time",
    )
    args = parser.parse_args()

    setup_django("search", CONN_MAX_AGE="600")
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.db.models import F, Q

    import search
    from ideas.models import Idea
    from search.backends.database import _capped_count
    from search.query import Filters, SearchRequest
    from search.selectors import search_page

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (e.g. …/cocreate_searchbench).")
    if args.setup:
        setup(args.ideas, args.votes)

    backend = search.backend()
    anonymous = AnonymousUser()
    from django.conf import settings

    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    print(
        f"{Idea.objects.count()} ideas; backend {type(backend).__name__}; "
        f"{args.runs} runs after {args.warmup} warm-up; "
        f"SEARCH_FACET_CACHE_SECONDS={settings.SEARCH_FACET_CACHE_SECONDS} (0: facets computed every time); "
        f"SEARCH_EXACT_COUNT_LIMIT={getattr(settings, 'SEARCH_EXACT_COUNT_LIMIT', '(none: exact counts)')}; "
        f"load average at the start: {load}"
    )
    print(f"{'query':<34} {'variant':<10} {'matches':>8} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for text, filters in QUERIES:
        request = SearchRequest(text=text, filters=Filters(**filters))
        parsed = request.parsed
        label = f"{text!r} + {filters}"

        def fts_core(request=request, parsed=parsed):
            visible = backend._visible(anonymous)
            matched = backend._filter(backend._match(visible, parsed, "all"), request.filters)
            page = (
                backend._score(matched, parsed, "all")
                .order_by("-score", "-votes", "-pk")
                .values_list("pk", "score")[:20]
            )
            return len(list(page)), _capped_count(matched)

        def fts_full(request=request):
            return backend.query(request, user=anonymous).total

        def fts_page(request=request):
            return search_page(user=anonymous, request=request).total

        def counted(results):
            """The total as the page says it: "1000+" when counting stopped at the limit."""
            return f"{results.total}{'+' if results.more else ''}"

        def icontains(text=text, filters=filters):
            ideas = Idea.objects.visible_to(anonymous).filter(**filters)
            for word in text.split():
                ideas = ideas.filter(Q(title__icontains=word) | Q(body__icontains=word))
            page = ideas.order_by((F("upvote_count") - F("downvote_count")).desc(), "-pk").values_list("pk")[
                :20
            ]
            return len(list(page)), ideas.count()

        chosen = args.variants.split(",")
        matches = {
            "fts-core": lambda: fts_core()[1],
            "fts-full": lambda request=request: counted(backend.query(request, user=anonymous)),
            "fts-page": lambda request=request: counted(search_page(user=anonymous, request=request)),
            "icontains": lambda: icontains()[1],
        }
        matches = {variant: matches[variant]() for variant in chosen}
        variants = [
            (variant, fn)
            for variant, fn in (
                ("fts-core", fts_core),
                ("fts-full", fts_full),
                ("fts-page", fts_page),
                ("icontains", icontains),
            )
            if variant in chosen
        ]
        for variant, fn in variants:
            samples = measure(fn, args.runs, args.warmup)
            print(
                f"{label:<34} {variant:<10} {matches[variant]:>8} {percentile(samples, 0.5):>8.2f} "
                f"{percentile(samples, 0.99):>8.2f} {statistics.fmean(samples):>8.2f}"
            )
    with open("/proc/loadavg") as loadavg:
        print(f"load average at the end: {loadavg.read().split()[:3]} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
