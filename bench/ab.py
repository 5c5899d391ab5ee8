"""Interleaved A/B: one endpoint on this checkout against the same endpoint on another checkout.

    .venv/bin/python -m bench.ab OTHER_CHECKOUT [--endpoint vote] [--repeats 4] [--rounds 8] [--seconds 4]

For changes too small for `bench/run.py` to show: this VM's speed drifts by a fifth or more within
minutes, so two runs a few minutes apart differ by more than a 5 % change. Here both versions serve at
once (granian as in bench/run.py, this checkout on 127.0.0.1:8001, the other on :8011, or on
BENCH_HTTP_PORT and 10 above it; both with this venv's packages and the other's code first on the
path), and wrk loads them in turn, a few seconds each, in alternating order, so the drift falls on both
alike. A pair of server processes also differs by itself (hash seeds, memory layout: a few per cent
either way, one-off), so both are started afresh for each repeat. Reports each repeat's ratio, and
each side's req/s and the server's CPU per request over all of them. Runs after `bench/run.py` has
seeded cocreate_bench and written bench/out/fixtures.json; its votes change the same rows as the
benchmark's.
"""

import argparse
import json
import os
import signal
import subprocess  # noqa: S404 - starts our own granian
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    BENCH_ENV,
    HTTP_PORT,
    OUT,
    VoteSequence,
    endpoints_for,
    granian_command,
    process_group_cpu_seconds,
    wrk,
)

PORTS = {"this": HTTP_PORT, "other": HTTP_PORT + 10}  # 8001 and 8011 unless BENCH_HTTP_PORT says


def start(checkout: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, **BENCH_ENV, "PYTHONPATH": str(checkout)}
    cmd = granian_command(port=port, workers=2)
    return subprocess.Popen(cmd, cwd=checkout, env=env, start_new_session=True)  # noqa: S603


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a `git worktree` of main)")
    parser.add_argument("--endpoint", default="vote")
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=4)
    args = parser.parse_args(argv)
    fixtures = json.loads((OUT / "fixtures.json").read_text())
    endpoint = next((e for e in endpoints_for(fixtures) if e.key == args.endpoint), None)
    if endpoint is None:
        raise SystemExit(f"No endpoint {args.endpoint!r}; one of {[e.key for e in endpoints_for(fixtures)]}")
    votes = VoteSequence(fixtures)
    votes.offset = int(time.time()) % 100_000 * 2  # away from the pairs the last run left voted
    totals = {side: {"requests": 0, "seconds": 0.0, "cpu": 0.0} for side in PORTS}
    for repeat in range(args.repeats):
        rates = ab_repeat(args, endpoint, votes, totals)
        print(f"repeat {repeat + 1}: this / other {rates['this'] / rates['other']:.3f} by req/s", flush=True)
    for side, total in totals.items():
        print(
            f"{side}: {total['requests'] / total['seconds']:.0f} req/s, "
            f"app CPU {1000 * total['cpu'] / total['requests']:.3f} ms/request "
            f"({total['requests']} requests in {args.repeats} × {args.rounds} rounds)"
        )
    this, other = totals["this"], totals["other"]
    ratio = (this["requests"] / this["seconds"]) / (other["requests"] / other["seconds"])
    print(f"this / other: {ratio:.3f} by req/s")
    return 0


def ab_repeat(args, endpoint, votes: VoteSequence, totals: dict) -> dict[str, float]:
    """Both servers started afresh, warmed up, then `args.rounds` alternating rounds; req/s per side."""
    servers = {"this": start(ROOT, PORTS["this"]), "other": start(args.other.resolve(), PORTS["other"])}
    mine = {side: {"requests": 0, "seconds": 0.0} for side in servers}

    def measure(side: str, seconds: int, *, counted: bool = True) -> None:
        server = servers[side]
        result = wrk(
            endpoint,
            seconds=seconds,
            connections=16,
            votes=votes,
            tag=f"ab-{side}",
            app_cpu=lambda: process_group_cpu_seconds(server.pid),
            port=PORTS[side],
        )
        if counted:
            for total in (totals[side], mine[side]):
                total["requests"] += result.requests
                total["seconds"] += result.requests / result.rps
            totals[side]["cpu"] += result.app_cpu_ms * result.requests / 1000

    try:
        time.sleep(6)  # workers import the app
        for side in servers:
            measure(side, 3, counted=False)  # warm-up
        for round_ in range(args.rounds):
            for side in ("this", "other") if round_ % 2 == 0 else ("other", "this"):
                measure(side, args.seconds)
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
    return {side: total["requests"] / total["seconds"] for side, total in mine.items()}


if __name__ == "__main__":
    sys.exit(main())
