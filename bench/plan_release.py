"""How long the release planner takes for 500 backlog items (issue 20: under 2 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_plan REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python -m bench.plan_release [--items 500] [--repeats 5]

Two measurements:
1. The solver alone (`backlog.planning.plan_release` and `greedy_plan`) on random instances shaped like
   a real backlog: efforts 0.1–20 person-weeks, values spread over four orders of magnitude, five teams
   (two with a capacity of their own), 100 dependencies, 3 must-haves, a capacity that fits about a
   fifth of the items. Instance 0 is also solved with values correlated to effort (the hard case of a
   knapsack).
2. The whole plan as the page computes it (`backlog.planning.release_plan_compare`: demand of the 500
   items in one query, scores, the optimal and the greedy plan) on a throwaway test database
   (`test_<name>` of DATABASE_URL, created and destroyed here) seeded with 500 items, 500 ideas,
   2,000 members in 4 segments and 20,000 up-votes.
Progress on stderr (tqdm); a Markdown table on stdout for bench/RESULTS.md.
"""

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cocreate.settings.base")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from tqdm import tqdm  # noqa: E402

from backlog.planning import Candidate, greedy_plan, plan_release  # noqa: E402

TEAMS = ["Imaging", "Power", "Apps", "Cloud", "Audio"]


def instance(rng: random.Random, n: int, correlated: bool = False):
    candidates = []
    for pk in range(1, n + 1):
        effort = Decimal(rng.randint(10, 2000)) / 100
        if correlated:
            value = (effort * 1000 + rng.randint(0, 1000)).quantize(Decimal("0.01"))
        else:
            value = Decimal(int(10 ** rng.uniform(3, 7)))
        candidates.append(
            Candidate(
                pk=pk,
                title=f"Item {pk}",
                effort=effort,
                value=value,
                score=(value / effort).quantize(Decimal("0.01")) * Decimal(rng.uniform(0.5, 1.5)),
                team=rng.choice(TEAMS),
            )
        )
    total = sum(c.effort for c in candidates)
    dependencies = sorted(
        {(b, rng.randint(1, b - 1)) for b in rng.sample(range(2, n + 1), k=min(100, n - 1))}
    )
    return {
        "candidates": candidates,
        "capacity": (total / 5).quantize(Decimal("1")),
        "team_capacities": {
            "Imaging": (total / 30).quantize(Decimal("1")),
            "Power": (total / 40).quantize(Decimal("1")),
        },
        "must_haves": [1, 2, 3],
        "dependencies": dependencies,
    }


def timed(function, **arguments):
    start = time.perf_counter()
    result = function(**arguments)
    return time.perf_counter() - start, result


def solver_runs(n: int, repeats: int):
    rows = []
    for seed in tqdm(range(repeats), desc="solver", file=sys.stderr):
        rng = random.Random(seed)
        for correlated in (False, True) if seed == 0 else (False,):
            arguments = instance(rng, n, correlated=correlated)
            optimal_seconds, optimal = timed(plan_release, **arguments)
            greedy_seconds, greedy = timed(greedy_plan, **arguments)
            rows.append((seed, correlated, optimal_seconds, greedy_seconds, optimal, greedy))
    return rows


def seed_database(n: int):
    from backlog.models import BacklogItem
    from community.models import Member, Segment, SegmentMembership
    from ideas.models import Idea
    from products.models import Product
    from voting.models import Vote

    rng = random.Random(7)
    segments = [
        Segment.objects.create(
            name=f"Segment {s}", slug=f"segment-{s}", clv_override=10 ** (s + 1), market_size=10 ** (s + 3)
        )
        for s in range(4)
    ]
    members = Member.objects.bulk_create(
        [Member(username=f"bench{m}", email=f"bench{m}@example.com") for m in range(2000)]
    )
    SegmentMembership.objects.bulk_create(
        [SegmentMembership(member=m, segment=segments[i % 4]) for i, m in enumerate(members)]
    )
    products = [Product.objects.create(name=t, slug=t.lower(), team=t) for t in TEAMS]
    creator = members[0]
    items, ideas = [], []
    for i in tqdm(range(n), desc="ideas", file=sys.stderr):
        ideas.append(Idea(author=creator, title=f"Idea {i}", body="x", body_html="<p>x</p>"))
    ideas = Idea.objects.bulk_create(ideas)
    items = BacklogItem.objects.bulk_create(
        [
            BacklogItem(
                product=products[i % 5],
                title=f"Item {i}",
                created_by=creator,
                effort_estimate=Decimal(rng.randint(10, 2000)) / 100 if i % 25 else None,
            )
            for i in range(n)
        ]
    )
    BacklogItem.ideas.through.objects.bulk_create(
        [
            BacklogItem.ideas.through(backlogitem=item, idea=idea)
            for item, idea in zip(items, ideas, strict=True)
        ]
    )
    votes = set()
    while len(votes) < 20_000:
        votes.add((rng.randrange(len(members)), rng.randrange(n)))
    Vote.objects.bulk_create(
        [
            Vote(member=members[m], idea=ideas[i], value=1)
            for m, i in tqdm(sorted(votes), desc="votes", file=sys.stderr)
        ],
        batch_size=5000,
    )
    return items


def page_runs(n: int, repeats: int):
    from backlog.demand import Market
    from backlog.models import BacklogItem, PriorityWeights
    from backlog.planning import release_plan_compare

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        seed_database(n)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        items = list(BacklogItem.objects.select_related("product"))
        estimated = [i for i in items if i.effort_estimate is not None]
        total = sum(i.effort_estimate for i in estimated)
        rows = []
        for objective in ("equity", "score"):
            for _ in tqdm(range(repeats), desc=f"page ({objective})", file=sys.stderr):
                seconds, comparison = timed(
                    release_plan_compare,
                    items=BacklogItem.objects.select_related("product").all(),
                    objective=objective,
                    capacity=(total / 5).quantize(Decimal("1")),
                    team_capacities={"Imaging": (total / 30).quantize(Decimal("1"))},
                    must_haves=[estimated[0].pk],
                    dependencies=[(estimated[k + 1].pk, estimated[k].pk) for k in range(0, 100, 2)],
                    market=Market(),
                    weights=PriorityWeights.load(),
                )
                rows.append((objective, seconds, comparison))
        return rows
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-page", action="store_true", help="only the solver (no database)")
    args = parser.parse_args()
    solver = solver_runs(args.items, args.repeats)
    print(f"### Release planner, {args.items} items ({connection.vendor})\n")
    print("| run | optimal plan s | greedy s | items chosen | optimal value | greedy value |")
    print("|---|---:|---:|---:|---:|---:|")
    for seed, correlated, optimal_seconds, greedy_seconds, optimal, greedy in solver:
        label = f"solver, instance {seed}" + (" (values ∝ effort)" if correlated else "")
        print(
            f"| {label} | {optimal_seconds:.3f} | {greedy_seconds:.3f} | {len(optimal.items)} "
            f"| {optimal.value:,.0f} | {greedy.value:,.0f} |"
        )
    if not args.skip_page:
        for objective, seconds, comparison in page_runs(args.items, args.repeats):
            optimal, greedy = comparison.optimal, comparison.greedy
            print(
                f"| whole plan from the database ({objective}) | {seconds:.3f} | (incl.) "
                f"| {len(optimal.items)} | {optimal.value:,.0f} | {greedy.value:,.0f} |"
            )
    worst = max(row[2] for row in solver)
    print(f"\nSlowest solve: {worst:.3f} s; median {statistics.median(row[2] for row in solver):.3f} s.")


if __name__ == "__main__":
    main()
