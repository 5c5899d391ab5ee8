"""What a window of votes costs afterwards: the sweep that rescores the marked ideas, deletes their marks
and rewrites their search vote counts (voting.tasks.rescore_pending), per idea, in this process and in
PostgreSQL (all its processes, with Redis's, as bench/run.py counts them: nothing else should run meanwhile).

    .venv/bin/python -m bench.window_cost [--ideas 500] [--rounds 3]

Runs after `bench/run.py` has seeded cocreate_bench (it reads the vote ideas from bench/out/fixtures.json).
The benchmark's vote run does not run the task worker, so this is the part of a vote's cost that its
req/s leaves out: with N ideas voted on in a window, the window costs N times the figure printed here,
shared among all the votes of the window.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BENCH_ENV, OUT, database_cpu_seconds  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    os.environ.update(BENCH_ENV)
    import django

    django.setup()
    from voting import windows
    from voting.tasks import rescore_pending

    ideas = json.loads((OUT / "fixtures.json").read_text())["vote_ideas"][: args.ideas]
    windows.mark_pending(ideas)
    rescore_pending.call()  # warm
    for round_ in range(1, args.rounds + 1):
        windows.mark_pending(ideas)  # as a window's votes would (not counted: the votes pay for it)
        started, db_started = time.process_time(), database_cpu_seconds()
        rescore_pending.call()
        app = (time.process_time() - started) * 1000 / len(ideas)
        db = (database_cpu_seconds() - db_started) * 1000 / len(ideas)
        print(f"round {round_}: {len(ideas)} ideas; per idea {app:.3f} ms app + {db:.3f} ms database CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
