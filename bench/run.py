"""Cocreate load benchmark: seed a large community, serve it the production way, measure, report.

    .venv/bin/python bench/run.py [--ideas N --votes M --members K --comments C --duration S --skip-seed]
    make bench BENCH_ARGS="--skip-seed"

Steps: (re)create the PostgreSQL database cocreate_bench and seed it with manage.py seed_demo (timed);
collect static files; start granian (WSGI, 2 workers) on 127.0.0.1:8001 for HTTP and daphne on
127.0.0.1:8002 for websockets, both with bench.settings (the project's settings plus the bare baseline
view /bench/bare/); measure every endpoint with wrk at peak and with a paced load at half of that peak;
count SQL queries per page in-process; time a vote's trip to other websocket clients; write a markdown
report to stdout and bench/out/latest.md (raw numbers in bench/out/latest.json). Servers are stopped at
the end, also on errors and Ctrl-C. Only 127.0.0.1 is ever targeted. See bench/README.md.
"""

import argparse
import asyncio
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess  # noqa: S404 - runs our own manage.py, servers and wrk, never user input
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.live import vote_to_clients  # noqa: E402
from bench.loadgen import PacedResult, build_request, h2load_paced, paced_load, send  # noqa: E402

BENCH = ROOT / "bench"
OUT = BENCH / "out"
PY = sys.executable
BIN = Path(PY).parent
# Another checkout's bench (several sessions share a machine) takes a database, a Redis database and
# ports of its own from these variables; bench/profile.py, fixtures.py and window_cost.py follow them.
DB_NAME = os.environ.get("BENCH_DATABASE", "cocreate_bench")
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
HOST = "127.0.0.1"
HTTP_PORT = int(os.environ.get("BENCH_HTTP_PORT", "8001"))
WS_PORT = int(os.environ.get("BENCH_WS_PORT", "8002"))
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "3"))
# Must match LAG in bench/load.lua: a withdrawal follows its vote this many pairs later.
VOTE_LAG = 64

BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    # Redis database 3 (or BENCH_REDIS_DB) belongs to the benchmark: it is flushed when the data is reseeded.
    "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0f3c9a7e2b1d4c6e8a5f7b9d1e3c5a7f",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "STATIC_ROOT": str(OUT / "static"),
    "LOG_LEVEL": "WARNING",
}

# The targets of issue 16 ("What must still hold"), against B on granian. Share of B's req/s:
THROUGHPUT_TARGETS = {"list_anonymous": 0.45, "list_member": 0.18, "vote": 0.18, "idea_member": 0.15}
P99_HALF_PEAK_MS = 50
# "The query counts as today or lower": today is bench/RESULTS.md's run at 3c90581 (a cache miss each).
QUERY_TARGETS = {
    "list_anonymous": 2,
    "list_member": 3,
    "deep_list_member": 3,
    "idea_anonymous": 4,
    "idea_member": 4,
}
DEEP_PAGE_FACTOR = 1.2
LIVE_P99_MS = 250
HALF_PEAK_SAMPLES = 300
# A p99 over 10 s is decided by 1 % of it: one 100 ms stall of this shared VM (seen 2026-12-02 on a page
# whose p99 was 17 ms in the runs before and after) makes it. Half-peak runs last at least this long.
HALF_PEAK_MIN_SECONDS = 20
HALF_PEAK_MAX_SECONDS = 60
# Before each endpoint, wait until at least this share of the CPU is idle (see wait_for_quiet).
QUIET_IDLE_SHARE = 0.85


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], *, env: dict[str, str]) -> None:
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)  # noqa: S603


def timed(cmd: list[str], *, env: dict[str, str]) -> float:
    start = time.perf_counter()
    run(cmd, env=env)
    return time.perf_counter() - start


def psql(sql: str, *, env: dict[str, str], database: str = "postgres") -> str:
    result = subprocess.run(  # noqa: S603
        ["psql", *PG, "-d", database, "-Atqc", sql],  # noqa: S607
        env=env,
        text=True,
        capture_output=True,
    )
    return result.stdout.strip() if result.returncode == 0 else ""


# --- Database -------------------------------------------------------------------------------------------


def prepare_database(args, env: dict[str, str]) -> dict[str, float]:
    """Seed a fresh database unless --skip-seed finds one with ideas in it; returns step timings."""
    manage = [PY, "manage.py"]
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'", env=env) == "1"  # noqa: S608
    if (
        args.skip_seed
        and exists
        and psql("SELECT EXISTS (SELECT 1 FROM ideas_idea)", env=env, database=DB_NAME) == "t"
    ):
        log(f"--skip-seed: reusing {DB_NAME}; VACUUM ANALYZE")
        timings = {"migrate": timed([*manage, "migrate", "--noinput", "-v", "0"], env=env)}
        # Earlier runs' votes left dead row versions behind (every vote rewrites its idea's row). A
        # production database's autovacuum clears them; this machine's PostgreSQL runs without it.
        timings["vacuum_analyze"] = timed(["psql", *PG, "-d", DB_NAME, "-qc", "VACUUM ANALYZE"], env=env)
        return timings
    if args.skip_seed:
        log(f"--skip-seed, but {DB_NAME} is missing or empty: seeding it")
    log(f"recreating database {DB_NAME}")
    run(["dropdb", *PG, "--if-exists", "--force", DB_NAME], env=env)
    run(["createdb", *PG, DB_NAME], env=env)
    import redis

    # Sessions and cached pages in the bench's Redis database belong to the data just dropped.
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    timings = {}
    log("migrate")
    timings["migrate"] = timed([*manage, "migrate", "--noinput", "-v", "0"], env=env)
    log(
        f"seed_demo: {args.members} members, {args.ideas} ideas, {args.votes} votes, {args.comments} comments"
    )
    timings["seed_demo"] = timed(
        [
            *manage,
            "seed_demo",
            f"--ideas={args.ideas}",
            f"--votes={args.votes}",
            f"--members={args.members}",
            f"--comments={args.comments}",
        ],
        env=env,
    )
    log(f"seed_demo took {timings['seed_demo']:.0f} s; VACUUM ANALYZE")
    # Fresh bulk-loaded tables have no planner statistics yet; a production database would.
    start = time.perf_counter()
    run(["psql", *PG, "-d", DB_NAME, "-qc", "VACUUM ANALYZE"], env=env)
    timings["vacuum_analyze"] = time.perf_counter() - start
    return timings


def process_group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of the live processes in a process group, plus their reaped children's."""
    total_ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        # After the command name: state, ppid, pgrp, …, utime, stime, cutime, cstime (proc(5) fields 3-17).
        if int(fields[2]) == pgid:
            total_ticks += sum(int(value) for value in fields[11:15])
    return total_ticks / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds() -> float:
    """User + system CPU time used so far by PostgreSQL's and Redis's processes (all of them: the
    machine runs no other databases during a benchmark)."""
    total_ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        if name in ("postgres", "redis-server"):
            total_ticks += sum(int(value) for value in rest.split()[11:15])
    return total_ticks / os.sysconf("SC_CLK_TCK")


# --- Servers --------------------------------------------------------------------------------------------


def granian_command(*, port: int, workers: int, blocking_threads: int = 1) -> list[str]:
    """granian as the README's production command runs it, on 127.0.0.1:`port`."""
    return [
        str(BIN / "granian"),
        "--interface=wsgi",
        f"--workers={workers}",
        f"--blocking-threads={blocking_threads}",
        "--http=1",
        "--respawn-failed-workers",
        "--http1-header-read-timeout=10000",
        "--workers-kill-timeout=30",
        f"--host={HOST}",
        f"--port={port}",
        "--log-level=warning",
        "cocreate.wsgi:application",
    ]


def gunicorn_command(*, port: int, workers: int) -> list[str]:
    """gunicorn (sync workers), the server granian replaced; only bench/servers.py still runs it."""
    return [
        str(BIN / "gunicorn"),
        f"--workers={workers}",
        "--worker-class=sync",
        f"--bind={HOST}:{port}",
        "--log-level=warning",
        "cocreate.wsgi:application",
    ]


class Servers:
    """granian (HTTP) and daphne (websockets), each in its own process group: stopping it stops all."""

    def __init__(self, env: dict[str, str], *, workers: int):
        self.env = env
        self.workers = workers
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self) -> None:
        for port in (HTTP_PORT, WS_PORT):
            with socket.socket() as probe:
                if probe.connect_ex((HOST, port)) == 0:
                    raise RuntimeError(f"Port {port} is already in use; stop whatever listens there first.")
        self._spawn("granian", granian_command(port=HTTP_PORT, workers=self.workers))
        self._spawn(
            "daphne",
            [str(BIN / "daphne"), "-b", HOST, "-p", str(WS_PORT), "-v", "1", "cocreate.asgi:application"],
        )
        self._wait_ready()

    def cpu_seconds(self, name: str) -> float:
        """CPU time used so far by one server's process group (the master and its workers)."""
        pid = next(process.pid for process_name, process in self.processes if process_name == name)
        return process_group_cpu_seconds(pid)

    def _spawn(self, name: str, cmd: list[str]) -> None:
        log(f"starting {name}: {' '.join(cmd[1:])}")
        output = (OUT / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        pending = {HTTP_PORT: "granian", WS_PORT: "daphne"}
        while pending:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see bench/out/{name}.log")
            for port in list(pending):
                with socket.socket() as probe:
                    if probe.connect_ex((HOST, port)) == 0:
                        del pending[port]
            if time.monotonic() > deadline:
                raise RuntimeError(f"{', '.join(pending.values())} did not start within {timeout} s")
            time.sleep(0.2)

    def stop(self) -> None:
        for name, process in self.processes:
            if process.poll() is None:
                log(f"stopping {name}")
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{name} ignored SIGTERM; killing it")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


# --- Load -------------------------------------------------------------------------------------------------


@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    cookie: str = ""
    vote: bool = False
    queries: str = ""  # key into the fixtures' query counts
    authorization: str = ""  # an Authorization header (the API's bearer token)


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    # The HTTP server's CPU time per request: unlike req/s, barely moved by other work on the machine.
    app_cpu_ms: float | None = None
    # PostgreSQL's and Redis's CPU time per request: the rest of what a request costs the machine.
    db_cpu_ms: float | None = None
    raw: dict = field(default_factory=dict)


class VoteSequence:
    """Which vote request comes next; shared by wrk (via BENCH_OFFSET) and the paced generator."""

    def __init__(self, fixtures: dict):
        self.ideas = fixtures["vote_ideas"]
        self.sessions = fixtures["vote_sessions"]
        self.csrf = fixtures["csrf"]
        self.cookie_name = fixtures["session_cookie_name"]
        self.offset = 0
        if len(self.ideas) * len(self.sessions) <= 2 * VOTE_LAG:
            raise RuntimeError("Too few (idea, member) pairs for the vote run.")

    def _pair(self, p: int) -> tuple[int, str]:
        p %= len(self.ideas) * len(self.sessions)
        return self.ideas[p % len(self.ideas)], self.sessions[p // len(self.ideas) % len(self.sessions)]

    def request(self, k: int) -> bytes:
        """The same request bench/load.lua sends as number k."""
        if k % 2 == 0:
            action, (idea, session) = "vote", self._pair(k // 2)
        else:
            action, (idea, session) = "unvote", self._pair((k - 1) // 2 - VOTE_LAG)
        headers = {
            "Cookie": f"{self.cookie_name}={session}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return build_request(
            "POST", f"/ideas/{idea}/{action}/", host=f"{HOST}:{HTTP_PORT}", headers=headers, body=b"value=1"
        )

    def wrk_env(self) -> dict[str, str]:
        return {
            "BENCH_MODE": "vote",
            "BENCH_IDEAS": ",".join(map(str, self.ideas)),
            "BENCH_SESSIONS": ",".join(self.sessions),
            "BENCH_CSRF": self.csrf,
            "BENCH_SESSION_COOKIE": self.cookie_name,
            "BENCH_OFFSET": str(self.offset),
        }


def wrk(
    endpoint: Endpoint,
    *,
    seconds: float,
    connections: int,
    votes: VoteSequence,
    tag: str,
    app_cpu: Callable[[], float] | None = None,
    port: int = HTTP_PORT,
) -> Measurement:
    env = {**os.environ}
    if endpoint.vote:
        env.update(votes.wrk_env())
    else:
        env.update(
            {
                "BENCH_MODE": "get",
                "BENCH_COOKIE": endpoint.cookie,
                "BENCH_AUTHORIZATION": endpoint.authorization,
            }
        )
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout=10s",
        "-s",
        str(BENCH / "load.lua"),
        f"http://{HOST}:{port}{endpoint.path}",
    ]
    cpu_before = app_cpu() if app_cpu else 0.0
    db_before = database_cpu_seconds()
    result = subprocess.run(cmd, env=env, text=True, capture_output=True, check=True)  # noqa: S603
    cpu_used = app_cpu() - cpu_before if app_cpu else None
    db_used = database_cpu_seconds() - db_before
    (OUT / "wrk").mkdir(exist_ok=True)
    (OUT / "wrk" / f"{endpoint.key}-{tag}.txt").write_text(
        " ".join(cmd) + "\n\n" + result.stdout + result.stderr
    )
    match = re.search(r"^BENCHJSON (\{.*\})$", result.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no result for {endpoint.key}:\n{result.stdout}\n{result.stderr}")
    raw = json.loads(match.group(1))
    if endpoint.vote:
        # Requests still in flight when wrk stopped used up their slots too.
        votes.offset += raw["requests"] + connections
    errors = sum(
        raw[key] for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return Measurement(
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        requests=raw["requests"],
        errors=errors,
        app_cpu_ms=1000 * cpu_used / raw["requests"] if cpu_used is not None and raw["requests"] else None,
        db_cpu_ms=1000 * db_used / raw["requests"] if raw["requests"] else None,
        raw=raw,
    )


def paced(endpoint: Endpoint, *, rate: float, seconds: float, votes: VoteSequence):
    """Open-loop load at `rate`: h2load for a GET (one fixed request), bench/loadgen.py for votes."""
    if not endpoint.vote:
        headers = {"Cookie": endpoint.cookie} if endpoint.cookie else {}
        if endpoint.authorization:
            headers["Authorization"] = endpoint.authorization
        return h2load_paced(
            f"http://{HOST}:{HTTP_PORT}{endpoint.path}",
            rate=rate,
            duration=seconds,
            headers=headers,
            log_file=OUT / f"h2load-{endpoint.key}.log",
        )
    offset = votes.offset
    result = asyncio.run(
        paced_load(
            host=HOST,
            port=HTTP_PORT,
            make_request=lambda k: votes.request(offset + k),
            rate=rate,
            duration=seconds,
            log_file=OUT / f"loadgen-{endpoint.key}.log",
        )
    )
    votes.offset += result.sent
    return result


# --- Checks before measuring ---------------------------------------------------------------------------


def fetch(
    path: str,
    *,
    cookie: str = "",
    method: str = "GET",
    headers: dict | None = None,
    body: bytes = b"",
    port: int = HTTP_PORT,
):
    all_headers = {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
    request = build_request(method, path, host=f"{HOST}:{port}", headers=all_headers, body=body)
    return asyncio.run(send(HOST, port, request))


def check_endpoints(endpoints: list[Endpoint], fixtures: dict, votes: VoteSequence) -> None:
    """Every URL answers what a browser would see; logged-in pages really are logged in."""
    for endpoint in endpoints:
        if endpoint.vote:
            response = asyncio.run(send(HOST, HTTP_PORT, votes.request(votes.offset)))
            votes.offset += 1
            if response.status != 200 or "votes" not in json.loads(response.body):
                raise RuntimeError(f"vote answered {response.status}: {response.body[:300]!r}")
            continue
        headers = {"Authorization": endpoint.authorization} if endpoint.authorization else None
        response = fetch(endpoint.path, cookie=endpoint.cookie, headers=headers)
        if endpoint.authorization:
            if response.status != 200 or "next_cursor" not in json.loads(response.body):
                raise RuntimeError(f"{endpoint.path} answered {response.status}: {response.body[:300]!r}")
            continue
        if response.status != 200:
            raise RuntimeError(f"{endpoint.path} answered {response.status}: {response.body[:300]!r}")
        if endpoint.cookie and "Log out" not in response.body.decode():
            raise RuntimeError(f"{endpoint.path} did not show a logged-in page; is the session valid?")
    short = fetch(fixtures["urls"]["idea_short"])
    if short.status != 301 or not short.headers.get("location", "").endswith(fixtures["urls"]["idea"]):
        raise RuntimeError(f"{fixtures['urls']['idea_short']} answered {short.status} {short.headers}")


# --- Measurements ---------------------------------------------------------------------------------------


def cpu_idle_share(seconds: float) -> float:
    """Share of the machine's CPU time that was idle over the next `seconds`."""

    def sample() -> tuple[int, int]:
        ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, total

    idle_before, total_before = sample()
    time.sleep(seconds)
    idle_after, total_after = sample()
    return (idle_after - idle_before) / max(1, total_after - total_before)


def wait_for_quiet(max_wait: float) -> float:
    """Wait up to max_wait seconds for other work on the machine to stop; returns the idle share.

    The servers are idle between runs, so anything busy then is someone else's work (a test suite,
    a build) that would slow the servers down unevenly and skew the ratios.
    """
    deadline = time.monotonic() + max_wait
    while True:
        idle = cpu_idle_share(2)
        if idle >= QUIET_IDLE_SHARE or time.monotonic() >= deadline:
            if idle < QUIET_IDLE_SHARE:
                log(f"machine still busy ({1 - idle:.0%} CPU used by other work); measuring anyway")
            return idle
        log(f"machine busy ({1 - idle:.0%} CPU used by other work); waiting for it to calm down")
        time.sleep(3)


def measure_endpoints(
    endpoints: list[Endpoint], args, votes: VoteSequence, app_cpu: Callable[[], float]
) -> tuple[dict, dict]:
    """Peak (wrk) and then half-peak (paced) load for each endpoint, with B before and after each.

    The machine's speed drifts over minutes (it is a shared VM, and other work may run on it), so
    each endpoint is compared with the mean of the two B runs that bracket it, and its half-peak run
    follows its peak run directly.
    """
    bare, others = endpoints[0], endpoints[1:]

    def peak_run(endpoint: Endpoint, *, warm_up: bool) -> dict:
        log(f"peak: {endpoint.label}")
        if warm_up:
            wrk(endpoint, seconds=3, connections=args.connections, votes=votes, tag="warmup")
        result = asdict(
            wrk(
                endpoint,
                seconds=args.duration,
                connections=args.connections,
                votes=votes,
                tag="peak",
                app_cpu=app_cpu,
            )
        )
        log(f"  {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms")
        time.sleep(1)  # let requests still queued when wrk stopped drain before the next run
        return result

    def half_peak_run(endpoint: Endpoint, peak_rps: float) -> dict:
        if peak_rps <= 0:
            log(f"  no {endpoint.label} request completed at peak; no half-peak run")
            return asdict(PacedResult.nothing())
        rate = peak_rps / 2
        # At least HALF_PEAK_SAMPLES requests, so that p99 is not simply the slowest of a handful.
        seconds = min(
            HALF_PEAK_MAX_SECONDS, max(HALF_PEAK_MIN_SECONDS, args.duration, HALF_PEAK_SAMPLES / rate)
        )
        log(f"half peak: {endpoint.label} at {rate:.0f} req/s for {seconds:.0f} s")
        result = asdict(paced(endpoint, rate=rate, seconds=seconds, votes=votes))
        log(
            f"  {result['achieved_rate']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, generator CPU {result['generator_cpu_pct']:.0f} %"
        )
        time.sleep(1)
        return result

    idle = {"start": wait_for_quiet(args.quiet_wait)}
    bare_runs = [peak_run(bare, warm_up=True)]
    peak, half = {}, {}
    for endpoint in others:
        idle[endpoint.key] = wait_for_quiet(args.quiet_wait)
        peak[endpoint.key] = peak_run(endpoint, warm_up=True)
        half[endpoint.key] = half_peak_run(endpoint, peak[endpoint.key]["rps"])
        bare_runs.append(peak_run(bare, warm_up=False))
        peak[endpoint.key]["baseline_rps"] = (bare_runs[-2]["rps"] + bare_runs[-1]["rps"]) / 2
    baseline = sum(run["rps"] for run in bare_runs) / len(bare_runs)
    median_run = sorted(bare_runs, key=lambda run: run["rps"])[len(bare_runs) // 2]
    peak[bare.key] = {
        **median_run,
        "rps": baseline,
        "baseline_rps": baseline,
        "app_cpu_ms": sum(run["app_cpu_ms"] for run in bare_runs) / len(bare_runs),
        "runs": bare_runs,
    }
    half[bare.key] = half_peak_run(bare, baseline)
    peak[bare.key]["idle_before"] = idle
    return peak, half


def measure_unloaded(endpoints: list[Endpoint], args, votes: VoteSequence) -> dict:
    """One connection, one request at a time: service time without queueing."""
    unloaded = {}
    for endpoint in endpoints:
        log(f"unloaded: {endpoint.label}")
        unloaded[endpoint.key] = asdict(
            wrk(endpoint, seconds=max(5, args.duration / 2), connections=1, votes=votes, tag="unloaded")
        )
    return unloaded


# --- Report -----------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"^MemTotal:\s+(\d+)", meminfo, re.MULTILINE).group(1))
    redis_info = subprocess.run(["redis-cli", "-h", HOST, "INFO", "server"], capture_output=True, text=True)  # noqa: S603, S607
    redis_version = re.search(r"redis_version:(\S+)", redis_info.stdout)
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S603, S607
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603, S607
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603, S607
    changed_count = len([line for line in changed.stdout.splitlines() if not line.endswith("bench/")])
    import django

    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": psql("SHOW server_version", env=os.environ.copy()),
        "redis": redis_version.group(1) if redis_version else "?",
        "django": django.get_version(),
        "granian": version("granian"),
        "daphne": version("daphne"),
        "channels-redis": version("channels-redis"),
        "wrk": (wrk_version.stdout + wrk_version.stderr).split("\n")[0].strip(),
        "code": f"commit {commit.stdout.strip()}, {changed_count} uncommitted paths in the work tree",
        "load average before the run": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def queries_cell(queries: dict, key: str) -> str:
    if key == "vote_member":
        return f"{queries['vote_member']['count']} / {queries['unvote_member']['count']}"
    return str(queries[key]["count"]) if key in queries else ""


def report(results: dict) -> str:
    fx, args = results["fixtures"], results["args"]
    peak, half, unloaded, live = results["peak"], results["half_peak"], results["unloaded"], results["live"]
    queries, timings = fx["queries"], results["timings"]
    endpoints = results["endpoints"]
    labels = {e["key"]: e["label"] for e in endpoints}
    bare_runs = ", ".join(fmt(run["rps"], 0) for run in peak["bare"]["runs"])
    bare_cpu = peak["bare"]["app_cpu_ms"]

    def cpu_share(measurement: dict) -> float:
        return bare_cpu / measurement["app_cpu_ms"] if measurement.get("app_cpu_ms") else math.nan

    lines = [
        f"# Cocreate benchmark — {results['finished']}",
        "",
        f"Data: {fx['ideas_total']:,} ideas, {fx['votes_total']:,} votes, {fx['members_total']:,} members. "
        f"HTTP: granian, WSGI, {results['args'].get('workers', 2)} workers of one thread; "
        "websockets: daphne; "
        "settings `bench.settings` (the project's, plus the bare view), DEBUG=0.",
    ]
    if "seed_demo" in timings:
        lines.append(
            f"Seeding: migrate {timings['migrate']:.0f} s, seed_demo {timings['seed_demo']:.0f} s, "
            f"VACUUM ANALYZE {timings['vacuum_analyze']:.0f} s."
        )
    lines += [
        "",
        "| endpoint | req/s | × B | p50 ms | p99 ms | errors | app CPU ms/req | × B by CPU "
        "| PostgreSQL + Redis CPU ms/req | SQL queries | half peak: req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for endpoint in endpoints:
        key = endpoint["key"]
        m, h = peak[key], half[key]
        lines.append(
            f"| {endpoint['label']} | {fmt(m['rps'], 0)} | {m['rps'] / m['baseline_rps']:.2f} | "
            f"{fmt(m['p50_ms'])} | {fmt(m['p99_ms'])} | {m['errors']} | {fmt(m['app_cpu_ms'], 2)} | "
            f"{fmt(cpu_share(m), 2)} | {fmt(m.get('db_cpu_ms'), 2)} | "
            f"{queries_cell(queries, endpoint['queries'])} | {fmt(h['achieved_rate'], 0)} | "
            f"{fmt(h['p50_ms'])} | {fmt(h['p99_ms'])} |"
        )
    lines += [
        "",
        f"- Peak: `wrk -t1 -c{args['connections']} -d{args['duration']:g}s` after a 3 s warm-up. B is "
        f"measured before the first endpoint and after each one ({bare_runs} req/s); each endpoint's × B "
        "uses the mean of the two B runs around it, because this shared VM's speed drifts over minutes.",
        "- Half peak: open-loop load at 50 % of each endpoint's own peak rate (for at least "
        f"{HALF_PEAK_MIN_SECONDS} s and {HALF_PEAK_SAMPLES} requests, at most {HALF_PEAK_MAX_SECONDS} s), "
        "one fresh connection per request, opened on schedule whatever the server does. GETs: h2load "
        "(Debian's nghttp2-client; whole-millisecond periods, so a few connections at once), latency from "
        "sending the request; votes, whose every request differs: bench/loadgen.py, latency from each "
        "request's scheduled time (wrk2 is not packaged). Both run on the same two cores "
        f"(at most {fmt(max(h['generator_cpu_pct'] for h in half.values()), 0)} % of a core); "
        "the B row shows what that costs a view that does nothing.",
        "- App CPU ms/req: user + system CPU time of granian's main process and workers during the peak run, "
        "per request (PostgreSQL and Redis not included). × B by CPU = B's CPU per request / the "
        "endpoint's: the share of B's throughput the endpoint would keep on a CPU-bound server, and "
        "a cross-check of × B that other work on the machine hardly disturbs. PostgreSQL + Redis CPU "
        "ms/req: the same for the database and cache processes, the rest of a request's cost on the "
        "shared cores (so × B by req/s falls below × B by CPU for endpoints that write).",
        "- SQL queries: counted in-process through the full middleware with CaptureQueriesContext "
        "(the second of two identical requests); vote row: cast / withdraw. Lists and anonymous idea "
        "pages are served from 3-second page caches under load, so their count is for a cache miss (a "
        "hit costs 0 anonymous, 1 for a member's list: the votes on the page; members come from the "
        "cache). The vote row counts every statement: on PostgreSQL one call of the vote function, its own "
        "transaction; BEGIN and COMMIT where there are any.",
        "- Errors: wrk's socket errors plus responses ≥ 400.",
        "",
        "Unloaded (`wrk -c1`), logged in:",
        "",
        "| page | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {labels[key]} | {fmt(run['rps'], 0)} | {fmt(run['p50_ms'], 2)} | {fmt(run['p99_ms'], 2)} |"
        for key, run in unloaded.items()
    ]
    lines += [
        "",
        f"Vote → other clients: {live['clients']} websocket clients on daphne watch one idea; "
        f"{live['votes']} votes cast and withdrawn one at a time over HTTP; time until the last client "
        f"has the new count (missed {live['missed']}, wrong count {live['wrong_count']}). The broadcast "
        "leaves after the commit and before the HTTP response, so the two rows bound commit → client:",
        "",
        "| measured from | p50 ms | p99 ms |",
        "|---|---:|---:|",
        f"| the HTTP response (lower bound) | {fmt(live['p50_from_response_ms'])} | "
        f"{fmt(live['p99_from_response_ms'])} |",
        f"| the HTTP request (upper bound) | {fmt(live['p50_from_request_ms'])} | "
        f"{fmt(live['p99_from_request_ms'])} |",
        "",
        "## Targets",
        "",
        "| target | measured | result |",
        "|---|---|---|",
    ]
    for key, share in THROUGHPUT_TARGETS.items():
        if key not in peak:
            continue  # not measured in this run (--endpoints)
        ratio = peak[key]["rps"] / peak[key]["baseline_rps"]
        lines.append(
            f"| {labels[key]} ≥ {share:.0%} of B (req/s) | {ratio:.0%} (by CPU per request: "
            f"{fmt(100 * cpu_share(peak[key]), 0)}%) | {verdict(ratio >= share)} |"
        )
    for endpoint in endpoints[1:]:
        h = half[endpoint["key"]]
        ok = h["p99_ms"] < P99_HALF_PEAK_MS and h["errors"] == 0
        lines.append(
            f"| p99 < {P99_HALF_PEAK_MS} ms at half peak: {endpoint['label']} | {fmt(h['p99_ms'])} ms at "
            f"{fmt(h['achieved_rate'], 0)} req/s | {verdict(ok)} |"
        )
    for key, limit in QUERY_TARGETS.items():
        if key not in labels:
            continue
        count = queries[key]["count"]
        lines.append(f"| SQL queries ≤ {limit}: {labels[key]} | {count} | {verdict(count <= limit)} |")
    if {"list_member", "deep_list_member"} <= unloaded.keys():
        first, deep = unloaded["list_member"]["p50_ms"], unloaded["deep_list_member"]["p50_ms"]
        lines.append(
            f"| 1000th list page ≤ {DEEP_PAGE_FACTOR}× the first page's latency (p50, unloaded) | "
            f"{deep / first:.2f}× ({fmt(deep, 2)} vs {fmt(first, 2)} ms) | "
            f"{verdict(deep <= DEEP_PAGE_FACTOR * first)} |"
        )
    live_p99 = live["p99_from_request_ms"]
    lines.append(
        f"| vote → other client p99 < {LIVE_P99_MS} ms | {fmt(live_p99)} ms (upper bound), "
        f"{live['missed']} missed | {verdict(live['missed'] == 0 and live_p99 < LIVE_P99_MS)} |"
    )
    idle = peak["bare"]["idle_before"]
    lines += [
        "",
        "CPU idle just before each endpoint's runs (servers idle; below 85 % means other work was "
        "running on the machine): "
        + ", ".join(f"{labels.get(key, key)} {share:.0%}" for key, share in idle.items())
        + ".",
    ]
    runs = [run["rps"] for run in peak["bare"]["runs"]]
    if max(runs) > 1.3 * min(runs):
        lines += [
            "",
            f"Note: B varied from {fmt(min(runs), 0)} to {fmt(max(runs), 0)} req/s during the run: the "
            "machine was not quiet (see the load averages below), so read the ratios, not the absolutes.",
        ]
    lines += ["", "## Machine", ""]
    lines += [f"- {name}: {value}" for name, value in results["machine"].items()]
    return "\n".join(lines) + "\n"


# --- Main -------------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run (1-120)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections at peak")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="granian workers, for B and the app alike (2: the README's production command on 2 cores)",
    )
    parser.add_argument("--live-clients", type=int, default=20)
    parser.add_argument("--live-votes", type=int, default=200)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each endpoint, wait up to this many seconds for other work on the machine to stop",
    )
    parser.add_argument("--skip-seed", action="store_true", help=f"reuse an already seeded {DB_NAME}")
    parser.add_argument(
        "--endpoints",
        default="",
        help="comma-separated endpoint keys to measure (B always runs), e.g. vote,idea_member; default: all",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be between 1 and 120 seconds.")
    if not 0 <= args.quiet_wait <= 1800:
        parser.error("--quiet-wait must be between 0 and 1800 seconds.")
    if not (1 <= args.connections <= 256 and 1 <= args.live_clients <= 200 and 2 <= args.live_votes <= 2000):
        parser.error("--connections ≤ 256, --live-clients ≤ 200 and --live-votes ≤ 2000 keep runs bounded.")
    return args


def member_cookie(fixtures: dict) -> str:
    return f"{fixtures['session_cookie_name']}={fixtures['demo_session']}; csrftoken={fixtures['csrf']}"


def endpoints_for(fixtures: dict) -> list[Endpoint]:
    urls = fixtures["urls"]
    member = member_cookie(fixtures)
    return [
        Endpoint("bare", "B: bare view", urls["bare"], queries="bare_anonymous"),
        Endpoint("list_anonymous", "idea list, anonymous", urls["list"], queries="list_anonymous"),
        Endpoint("list_member", "idea list, logged in", urls["list"], member, queries="list_member"),
        Endpoint(
            "deep_list_member",
            "1000th list page, logged in",
            urls["deep_list"],
            member,
            queries="deep_list_member",
        ),
        Endpoint("idea_anonymous", "idea page, anonymous", urls["idea"], queries="idea_anonymous"),
        Endpoint("idea_member", "idea page, logged in", urls["idea"], member, queries="idea_member"),
        Endpoint("vote", "vote / unvote (POST, JSON)", "/ideas/vote", vote=True, queries="vote_member"),
        Endpoint(
            "api_list_token",
            "API idea list, bearer token",
            urls["api_list"],
            authorization=f"Bearer {fixtures['api_token']}",
            queries="api_list_token",
        ),
    ]


def select_endpoints(endpoints: list[Endpoint], keys: str) -> list[Endpoint]:
    """B and the endpoints named in `keys` (all of them when empty), in the usual order."""
    wanted = {key.strip() for key in keys.split(",") if key.strip()}
    unknown = wanted - {e.key for e in endpoints}
    if unknown:
        raise SystemExit(f"unknown endpoints: {', '.join(sorted(unknown))}")
    return [e for e in endpoints if e.key == "bare" or not wanted or e.key in wanted]


def main(argv=None) -> int:
    args = parse_args(argv)
    for tool in ("wrk", "h2load", "psql", "createdb", "dropdb", "redis-cli"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed.")
    OUT.mkdir(exist_ok=True)
    env = {**os.environ, **BENCH_ENV}
    os.environ.update(BENCH_ENV)  # for psql and the in-process checks
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the finally block stops the servers
    servers = Servers(env, workers=args.workers)
    results: dict = {"args": vars(args), "machine": machine()}
    try:
        results["timings"] = timings = prepare_database(args, env)
        log("collectstatic")
        timings["collectstatic"] = timed([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env)
        log("fixtures: sessions, URLs, the 1000th page's cursor, SQL query counts")
        timings["fixtures"] = timed([PY, "-m", "bench.fixtures", str(OUT / "fixtures.json")], env=env)
        fixtures = results["fixtures"] = json.loads((OUT / "fixtures.json").read_text())
        endpoints = select_endpoints(endpoints_for(fixtures), args.endpoints)
        results["endpoints"] = [asdict(e) for e in endpoints]
        votes = VoteSequence(fixtures)

        servers.start()
        check_endpoints(endpoints, fixtures, votes)
        results["peak"], results["half_peak"] = measure_endpoints(
            endpoints, args, votes, app_cpu=lambda: servers.cpu_seconds("granian")
        )
        pages = [e for e in endpoints if e.key in ("list_member", "deep_list_member")]
        results["unloaded"] = measure_unloaded(pages, args, votes)
        log(f"websockets: {args.live_clients} clients, {args.live_votes} votes")
        live = asyncio.run(
            vote_to_clients(
                http_host=HOST,
                http_port=HTTP_PORT,
                ws_url=f"ws://{HOST}:{WS_PORT}/ws/ideas/{fixtures['idea_id']}/",
                origin=f"http://{HOST}:{WS_PORT}",
                idea_id=fixtures["idea_id"],
                cookie=member_cookie(fixtures),
                csrf=fixtures["csrf"],
                clients=args.live_clients,
                votes=args.live_votes,
            )
        )
        results["live"] = asdict(live)
    finally:
        servers.stop()
    results["finished"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results["machine"]["load average after the run"] = " ".join(f"{load:.2f}" for load in os.getloadavg())
    (OUT / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    text = report(results)
    (OUT / "latest.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
