"""gunicorn vs granian, side by side: the same app and settings, loaded in alternating rounds.

    .venv/bin/python -m bench.servers [--servers gunicorn,granian] [--rounds 4] [--seconds 5]

The measurement that chose granian for production (bench/README.md, "Which HTTP server"). Every server
serves this checkout with bench.settings at once, each on its own port, and wrk loads one at a time,
each endpoint in `--rounds` rounds whose order alternates, so the VM's drift falls on all alike.
Endpoints: B (the bare view), the idea list anonymous and logged in, the logged-in idea page and the
vote. Servers:
  gunicorn      sync workers, 4 of them: the production command before granian
  granian       granian WSGI as README's production command runs it (bench.run.granian_command)
  granian-2x2   the same with 2 threads per worker; granian-3x1, granian-4x1: 3 or 4 workers of one thread
Writes bench/out/servers.md and bench/out/servers.json. Runs after `bench/run.py` has seeded
cocreate_bench and written bench/out/fixtures.json; its votes change the same rows as the benchmark's.
"""

import argparse
import json
import os
import signal
import socket
import subprocess  # noqa: S404 - starts our own servers
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    BENCH_ENV,
    HOST,
    OUT,
    VoteSequence,
    endpoints_for,
    fetch,
    granian_command,
    gunicorn_command,
    process_group_cpu_seconds,
    wrk,
)

SERVERS = {
    "gunicorn": (8011, lambda port: gunicorn_command(port=port, workers=4)),
    "granian": (8001, lambda port: granian_command(port=port, workers=2)),
    "granian-2x2": (8021, lambda port: granian_command(port=port, workers=2, blocking_threads=2)),
    "granian-3x1": (8041, lambda port: granian_command(port=port, workers=3)),
    "granian-4x1": (8031, lambda port: granian_command(port=port, workers=4)),
}
ENDPOINTS = ("bare", "list_anonymous", "list_member", "idea_member", "vote")
START_UP_SECONDS = 120


def start(name: str) -> subprocess.Popen:
    port, command = SERVERS[name]
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            raise SystemExit(f"Port {port} is already in use; stop whatever listens there first.")
    log = (OUT / f"servers-{name}.log").open("w")
    env = {**os.environ, **BENCH_ENV}
    return subprocess.Popen(  # noqa: S603 - our own command line
        command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_ready(name: str, server: subprocess.Popen, path: str) -> None:
    """Until the server answers the bare view with 200 (its workers have imported the app)."""
    port = SERVERS[name][0]
    deadline = time.monotonic() + START_UP_SECONDS
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"{name} exited with {server.returncode}; see bench/out/servers-{name}.log")
        try:
            if fetch(path, port=port).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer within {START_UP_SECONDS} s")
        time.sleep(0.5)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default="gunicorn,granian", help=f"comma-separated, of {list(SERVERS)}")
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args(argv)
    names = args.servers.split(",")
    if unknown := set(names) - set(SERVERS):
        parser.error(f"unknown servers {sorted(unknown)}; known: {list(SERVERS)}")
    if not (1 <= args.rounds <= 20 and 1 <= args.seconds <= 60):
        parser.error("--rounds 1-20 and --seconds 1-60 keep the run bounded.")
    fixtures = json.loads((OUT / "fixtures.json").read_text())
    endpoints = {e.key: e for e in endpoints_for(fixtures)}
    keys = args.endpoints.split(",")
    if unknown := set(keys) - set(endpoints):
        parser.error(f"unknown endpoints {sorted(unknown)}; known: {list(endpoints)}")
    votes = VoteSequence(fixtures)
    votes.offset = int(time.time()) % 100_000 * 2  # away from the pairs the last run left voted

    servers: dict[str, subprocess.Popen] = {}
    totals = {key: {name: {"requests": 0, "seconds": 0.0, "cpu": 0.0} for name in names} for key in keys}
    started = time.monotonic()
    try:
        for name in names:
            servers[name] = start(name)
        for name in names:
            wait_ready(name, servers[name], fixtures["urls"]["bare"])
        for key in keys:
            endpoint = endpoints[key]

            def measure(name: str, seconds: int, *, counted: bool = True, endpoint=endpoint) -> None:
                server = servers[name]
                result = wrk(
                    endpoint,
                    seconds=seconds,
                    connections=16,
                    votes=votes,
                    tag=f"servers-{name}",
                    app_cpu=lambda: process_group_cpu_seconds(server.pid),
                    port=SERVERS[name][0],
                )
                if counted:
                    total = totals[endpoint.key][name]
                    total["requests"] += result.requests
                    total["seconds"] += result.requests / result.rps if result.rps else 0.0
                    total["cpu"] += (result.app_cpu_ms or 0.0) * result.requests / 1000

            print(f"{endpoint.label}:", flush=True)
            for name in names:
                measure(name, 3, counted=False)  # warm-up: page caches, templates, connections
            for round_ in range(args.rounds):
                for name in names if round_ % 2 == 0 else names[::-1]:
                    measure(name, args.seconds)
            for name in names:
                total = totals[key][name]
                print(
                    f"  {name}: {total['requests'] / total['seconds']:,.0f} req/s, "
                    f"{1000 * total['cpu'] / total['requests']:.2f} ms CPU/request",
                    flush=True,
                )
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers.values():
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    result = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "args": vars(args),
        "ideas": fixtures["ideas_total"],
        "versions": {name: version(name) for name in ("gunicorn", "granian")},
        "load_average_after": os.getloadavg(),
        "minutes": (time.monotonic() - started) / 60,
        "endpoints": {key: endpoints[key].label for key in keys},
        "totals": totals,
    }
    (OUT / "servers.json").write_text(json.dumps(result, indent=2))
    text = report(result, names)
    (OUT / "servers.md").write_text(text)
    print(text)
    return 0


def report(result: dict, names: list[str]) -> str:
    def rate(key: str, name: str) -> float:
        total = result["totals"][key][name]
        return total["requests"] / total["seconds"] if total["seconds"] else float("nan")

    def cpu(key: str, name: str) -> float:
        total = result["totals"][key][name]
        return 1000 * total["cpu"] / total["requests"] if total["requests"] else float("nan")

    first = names[0]
    header = " | ".join(f"{name} req/s | CPU ms/req | × B" for name in names)
    lines = [
        f"# HTTP servers side by side — {result['finished']}",
        "",
        f"{result['ideas']:,} ideas; wrk -t1 -c16, {result['args']['rounds']} alternating rounds of "
        f"{result['args']['seconds']} s per server and endpoint, after a 3-s warm-up each; gunicorn "
        f"{result['versions']['gunicorn']}, granian {result['versions']['granian']}; load average after: "
        + " ".join(f"{load:.2f}" for load in result["load_average_after"])
        + ".",
        "",
        f"| endpoint | {header} | " + " | ".join(f"{name} / {first}" for name in names[1:]) + " |",
        "|---|" + "---:|" * (3 * len(names) + len(names) - 1),
    ]
    has_bare = "bare" in result["totals"]
    for key, label in result["endpoints"].items():
        cells = []
        for name in names:
            share = rate(key, name) / rate("bare", name) if has_bare else float("nan")
            cells.append(f"{rate(key, name):,.0f} | {cpu(key, name):.2f} | {share:.2f}")
        ratios = [f"{rate(key, name) / rate(key, first):.2f}" for name in names[1:]]
        lines.append(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
