"""Websocket fan-out (issue 17): N listeners on one idea, votes over HTTP, vote → every listener's latency.

    .venv/bin/python -m bench.ws_fanout                          # 200, 1000, 2000 on one daphne; 2000 on two
    .venv/bin/python -m bench.ws_fanout --runs 2000x1 --votes 40 # one scenario: 2000 listeners, 1 daphne

Scenarios are `<listeners>x<daphnes>`. Every daphne serves `cocreate.asgi:application` with the project's
channel layer (channels_redis' RedisPubSubChannelLayer), so with two daphnes a vote reaches the second
one through Redis. Votes go through granian (WSGI, 2 workers, run.py's `granian_command`), one at a time
at `--rate` votes a second, each cast by a different member so every vote gives the idea a new count:
a listener's message is matched to its vote by that count. For every vote and every listener the
latency is measured from the moment the vote's request was sent (an upper bound of commit → client;
the broadcast leaves on commit, before the HTTP response) and from its response (a lower bound).

The listeners are one asyncio process per core (`--client-procs`, default 2), each socket a plain asyncio
protocol driving websockets' Sans-I/O `ClientProtocol`: a listener parses the frame and stores (arrival
time, text) per message, and the JSON is parsed after the run, so the clients' own CPU per message is
small. Each client process reports its CPU time (time.process_time)
for the vote phase, next to the servers' (daphne, granian) from /proc, since clients and servers share
the machine's cores.

Data: a small community seeded into `--database-url` (default cocreate_h_ws; `seed_demo --if-empty`),
Redis database `--redis-db` (default 15). Ports 8611 (granian) and 8612, 8613 (daphnes) must be free.
Writes bench/out/ws_fanout.json and prints a Markdown table.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import socket
import subprocess  # noqa: S404 - our own manage.py and servers
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.client import ClientProtocol  # noqa: E402
from websockets.exceptions import InvalidHandshake  # noqa: E402
from websockets.frames import Frame, Opcode  # noqa: E402
from websockets.protocol import State  # noqa: E402
from websockets.uri import parse_uri  # noqa: E402

from bench.loadgen import build_request, percentile, send  # noqa: E402
from bench.run import BENCH_ENV, BIN, HOST, OUT, PY, granian_command, process_group_cpu_seconds  # noqa: E402

HTTP_PORT = 8611
WS_PORTS = (8612, 8613)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Fixtures (in-process Django, in a subprocess) ---------------------------------------------------


def fixtures_main(out: Path, voters: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    from community.models import Member
    from ideas.models import Idea
    from voting.models import Vote

    idea = Idea.objects.listed().exclude(status=Idea.Status.DECLINED).order_by("pk").first()
    voted = Vote.objects.filter(idea=idea).values("member_id")
    members = list(Member.objects.filter(is_active=True).exclude(pk__in=voted).order_by("pk")[:voters])
    if len(members) < voters:
        raise SystemExit(f"Only {len(members)} members have not voted on idea {idea.pk}; seed more members.")

    def session_key(member) -> str:
        client = Client()
        client.force_login(member)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    out.write_text(
        json.dumps(
            {
                "idea_id": idea.pk,
                "session_cookie_name": settings.SESSION_COOKIE_NAME,
                "csrf": get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
                "sessions": [session_key(member) for member in members],
            }
        )
    )


# --- Listeners: one asyncio process per core ------------------------------------------------------------


def client_process(urls: list[str], origin: str, conn) -> None:
    """Open one socket per URL, say "ready", record every message until told to stop, send back
    per socket the (count, arrival) pairs and the CPU time of the recording phase."""
    asyncio.run(_client(urls, origin, conn))


class _Listener(asyncio.Protocol):
    """One websocket client on websockets' Sans-I/O protocol (its documented `ClientProtocol`) over a
    plain asyncio transport: per message only the frame parsing and one append, so that 2,000 listeners
    on the server's own cores take as little of them as possible. (websockets' asyncio client, used
    before, spent 70–140 µs of CPU per message, about as much as the server's delivery.) Pings are
    answered, as a browser would."""

    def __init__(self, url: str, origin: str, clock):
        self.protocol = ClientProtocol(parse_uri(url), origin=origin)
        self.clock = clock
        self.record: list[tuple[float, str]] = []
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.transport = None
        self.closing = False  # closed by us at the end of the run

    def connection_made(self, transport):
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data):
        at = self.clock()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.record.append((at, event.data.decode()))
            elif not self.opened.done():  # the handshake's answer
                if self.protocol.handshake_exc is None:
                    self.opened.set_result(True)
                else:
                    self.opened.set_exception(self.protocol.handshake_exc)
        self._flush()

    def _flush(self):
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            else:  # the protocol asks to close the TCP connection
                self.transport.close()

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        elif not self.closing and self.protocol.state is not State.CLOSED:
            print(f"listener ended: {exc!r}", file=sys.stderr)


async def _client(urls: list[str], origin: str, conn) -> None:
    loop = asyncio.get_running_loop()
    clock = time.perf_counter  # CLOCK_MONOTONIC: comparable across processes on Linux
    refused = 0

    async def open_socket(url):
        # A refused handshake (the consumer's 1013 "try again later" while the channel layer's breaker
        # is open shows as HTTP 403) is retried after a pause, as the pages' script does.
        nonlocal refused
        host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
        for _ in range(20):
            _transport, listener = await loop.create_connection(
                lambda: _Listener(url, origin, clock), host, int(port)
            )
            try:
                await asyncio.wait_for(listener.opened, 60)
                return listener
            except InvalidHandshake:
                refused += 1
                listener.transport.close()
                await asyncio.sleep(1)
        raise RuntimeError(f"{url} refused 20 times")

    listeners = []
    for start in range(0, len(urls), 50):  # 50 handshakes at a time: daphne accepts them in order anyway
        listeners += await asyncio.gather(*(open_socket(url) for url in urls[start : start + 50]))
    logs = [listener.record for listener in listeners]

    async def command() -> str:
        while not conn.poll():  # a pipe message at most every 50 ms: negligible next to the sockets
            await asyncio.sleep(0.05)
        return conn.recv()

    conn.send("ready")
    assert await command() == "start"
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    assert await command() == "stop"
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - wall_start
    for listener in listeners:
        listener.closing = True
        listener.transport.close()
    messages = sum(len(record) for record in logs)
    results = []
    for record in logs:
        pairs = []
        for at, raw in record:
            event = json.loads(raw)
            if event.get("type") == "idea.votes":
                pairs.append((event["votes"], at))
        results.append(pairs)
    conn.send({"cpu": cpu, "wall": wall, "messages": messages, "refused": refused, "sockets": results})


# --- Servers -------------------------------------------------------------------------------------------


class Servers:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}

    def spawn(self, name: str, cmd: list[str], port: int) -> None:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                raise RuntimeError(f"Port {port} is already in use")
        output = (OUT / f"ws_fanout_{name}.log").open("w")
        self.processes[name] = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while True:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited; see bench/out/ws_fanout_{name}.log")
            with socket.socket() as probe:
                if probe.connect_ex((HOST, port)) == 0:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.2)

    def cpu(self, name: str) -> float:
        return process_group_cpu_seconds(self.processes[name].pid)

    def stop(self, name: str | None = None) -> None:
        names = [name] if name else list(self.processes)
        for key in names:
            process = self.processes.pop(key)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def ws_command(server: str, port: int, *, profile: bool = False) -> list[str]:
    if server == "daphne":
        args = ["-b", HOST, "-p", str(port), "-v", "0", "cocreate.asgi:application"]
        if profile:  # daphne stops its reactor on SIGTERM and returns, so cProfile writes its file
            return [PY, "-m", "cProfile", "-o", str(OUT / f"ws_fanout_{port}.prof"), "-m", "daphne", *args]
        return [str(BIN / "daphne"), *args]
    if server == "granian":
        return [str(BIN / "granian"), "--interface=asgi", "--workers=1", f"--host={HOST}", f"--port={port}",
                "--log-level=warning", "cocreate.asgi:application"]  # fmt: skip
    raise ValueError(server)


# --- One scenario ------------------------------------------------------------------------------------


def run_scenario(*, listeners, daphnes, fixtures, sessions, action, args, servers) -> dict:
    idea_id = fixtures["idea_id"]
    ports = WS_PORTS[:daphnes]
    for port in ports:
        servers.spawn(f"ws{port}", ws_command(args.server, port, profile=args.profile), port)
    urls = [f"ws://{HOST}:{ports[i % daphnes]}/ws/ideas/{idea_id}/" for i in range(listeners)]
    procs, conns = [], []
    per_proc = [urls[i :: args.client_procs] for i in range(args.client_procs)]
    context = multiprocessing.get_context("spawn")
    try:
        started = time.perf_counter()
        for chunk in per_proc:
            parent, child = context.Pipe()
            process = context.Process(
                target=client_process, args=(chunk, f"http://{HOST}", child), daemon=True
            )
            process.start()
            procs.append(process)
            conns.append(parent)
        for conn in conns:
            if not conn.poll(300):
                raise RuntimeError("listeners did not connect within 300 s")
            assert conn.recv() == "ready"
        connect_s = time.perf_counter() - started
        log(f"{listeners} listeners connected to {daphnes} × {args.server} in {connect_s:.1f} s")
        time.sleep(1)
        ws_cpu_before = {port: servers.cpu(f"ws{port}") for port in ports}
        http_cpu_before = servers.cpu("granian")
        for conn in conns:
            conn.send("start")
        started = time.perf_counter()
        votes = asyncio.run(cast_votes(fixtures, sessions, action, args))
        time.sleep(args.wait)
        phase_s = time.perf_counter() - started
        ws_cpu = {port: servers.cpu(f"ws{port}") - ws_cpu_before[port] for port in ports}
        http_cpu = servers.cpu("granian") - http_cpu_before
        for conn in conns:
            conn.send("stop")
        reports = [conn.recv() for conn in conns]
    finally:
        for process in procs:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for port in ports:
            servers.stop(f"ws{port}")

    by_count = {vote["votes"]: vote for vote in votes}
    from_request, from_response, last_from_request = [], [], {}
    missing = wrong = 0
    for report in reports:
        for pairs in report["sockets"]:
            got = {}
            for count, at in pairs:
                if count in by_count:
                    got.setdefault(count, at)
                else:
                    wrong += 1
            missing += len(by_count) - len(got)
            for count, at in got.items():
                vote = by_count[count]
                from_request.append(at - vote["sent"])
                from_response.append(at - vote["answered"])
                last_from_request[count] = max(last_from_request.get(count, 0.0), at - vote["sent"])
    client_cpu = sum(report["cpu"] for report in reports)
    messages = sum(report["messages"] for report in reports)
    delivered = len(from_request)
    result = {
        "listeners": listeners,
        "servers": daphnes,
        "server": args.server,
        "votes": len(votes),
        "rate": args.rate,
        "deliveries": delivered,
        "missing": missing,
        "unexpected": wrong,
        "connect_s": connect_s,
        "refused_handshakes": sum(report["refused"] for report in reports),
        "p50_ms": percentile(from_request, 50) * 1000,
        "p99_ms": percentile(from_request, 99) * 1000,
        "max_ms": max(from_request, default=float("nan")) * 1000,
        "p50_from_response_ms": percentile(from_response, 50) * 1000,
        "p99_from_response_ms": percentile(from_response, 99) * 1000,
        "last_listener_p50_ms": percentile(list(last_from_request.values()), 50) * 1000,
        "last_listener_p99_ms": percentile(list(last_from_request.values()), 99) * 1000,
        # Vote by vote, in the order they were sent: does the tail come from one slow vote or all of them?
        "last_listener_ms_by_vote": [
            round(last_from_request.get(vote["votes"], float("nan")) * 1000, 1) for vote in votes
        ],
        "phase_s": phase_s,
        "client_cpu_s": client_cpu,
        "client_cpu_us_per_message": client_cpu / max(messages, 1) * 1e6,
        "ws_server_cpu_s": sum(ws_cpu.values()),
        "ws_server_cpu_us_per_delivery": sum(ws_cpu.values()) / max(delivered, 1) * 1e6,
        "http_server_cpu_s": http_cpu,
    }
    log(
        f"{listeners} listeners / {daphnes} {args.server}: p50 {result['p50_ms']:.0f} ms, "
        f"p99 {result['p99_ms']:.0f} ms, "
        f"max {result['max_ms']:.0f} ms, missing {missing}; client CPU {client_cpu:.1f} s "
        f"({result['client_cpu_us_per_message']:.0f} µs/msg), "
        f"ws server CPU {result['ws_server_cpu_s']:.1f} s "
        f"({result['ws_server_cpu_us_per_delivery']:.0f} µs/delivery)"
    )
    return result


async def cast_votes(fixtures, sessions, action, args) -> list[dict]:
    """One vote per session, at `args.rate` a second, each waiting for its response."""
    idea_id = fixtures["idea_id"]
    host = f"{HOST}:{HTTP_PORT}"
    interval = 1 / args.rate
    votes = []
    next_at = time.perf_counter()
    for session in sessions:
        headers = {
            "Cookie": f"{fixtures['session_cookie_name']}={session}; csrftoken={fixtures['csrf']}",
            "X-CSRFToken": fixtures["csrf"],
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        request = build_request(
            "POST", f"/ideas/{idea_id}/{action}/", host=host, headers=headers, body=b"value=1"
        )
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        next_at += interval
        sent = time.perf_counter()
        response = await send(HOST, HTTP_PORT, request)
        answered = time.perf_counter()
        if response.status != 200:
            raise RuntimeError(f"{action} answered {response.status}: {response.body[:200]!r}")
        votes.append({"votes": json.loads(response.body)["votes"], "sent": sent, "answered": answered})
    return votes


# --- Driver --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", default="200x1,1000x1,2000x1,2000x2", help="listeners x servers, comma-separated"
    )
    parser.add_argument("--votes", type=int, default=50, help="votes per scenario (one member each)")
    parser.add_argument("--rate", type=float, default=4.0, help="votes a second")
    parser.add_argument("--wait", type=float, default=3.0, help="seconds to wait after the last vote")
    parser.add_argument(
        "--profile", action="store_true", help="daphne under cProfile: bench/out/ws_fanout_<port>.prof"
    )
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--server", default="daphne", choices=["daphne", "granian"])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cocreate_h_ws")
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--out", default=str(OUT / "ws_fanout.json"))
    args = parser.parse_args()
    runs = [tuple(int(part) for part in run.split("x")) for run in args.runs.split(",")]
    if not (
        1 <= args.votes <= 250 and 0.1 <= args.rate <= 50 and all(n <= 4000 and s in (1, 2) for n, s in runs)
    ):
        parser.error("--votes ≤ 250, --rate ≤ 50, ≤ 4000 listeners and 1 or 2 servers keep runs bounded")

    OUT.mkdir(exist_ok=True)
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": args.database_url,
           "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}"}  # fmt: skip
    db_name = args.database_url.rsplit("/", 1)[1]
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db_name], env=env, capture_output=True)  # noqa: S603,S607
    manage = [PY, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*manage, "seed_demo", "--if-empty", "--no-progress", "--members", "600", "--ideas", "40",
         "--votes", "200", "--comments", "20"], cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    fixtures_path = OUT / "ws_fanout_fixtures.json"
    subprocess.run(  # noqa: S603
        [PY, "-m", "bench.ws_fanout", "--fixtures", str(fixtures_path), str(args.votes)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    fixtures = json.loads(fixtures_path.read_text())
    sessions = fixtures["sessions"]

    servers = Servers(env)
    results = []
    try:
        servers.spawn("granian", granian_command(port=HTTP_PORT, workers=2), HTTP_PORT)
        # Start from no votes by these members, then alternate: all vote, all withdraw; counts stay distinct.
        asyncio.run(cast_votes(fixtures, sessions, "unvote", args))
        for n, (listeners, daphnes) in enumerate(runs):
            action = "vote" if n % 2 == 0 else "unvote"
            results.append(
                run_scenario(
                    listeners=listeners,
                    daphnes=daphnes,
                    fixtures=fixtures,
                    sessions=sessions,
                    action=action,
                    args=args,
                    servers=servers,
                )  # fmt: skip
            )
    finally:
        servers.stop()
    Path(args.out).write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    print(report(results))


def report(results: list[dict]) -> str:
    lines = [
        "| listeners | servers | votes | p50 ms | p99 ms | max ms | last listener p99 ms | missing | "
        "client CPU s (µs/msg) | ws server CPU s (µs/delivery) | refused handshakes |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['listeners']} | {r['servers']} × {r['server']} | {r['votes']} | {r['p50_ms']:.0f} | "
            f"{r['p99_ms']:.0f} | {r['max_ms']:.0f} | {r['last_listener_p99_ms']:.0f} | {r['missing']} | "
            f"{r['client_cpu_s']:.1f} ({r['client_cpu_us_per_message']:.0f}) | "
            f"{r['ws_server_cpu_s']:.1f} ({r['ws_server_cpu_us_per_delivery']:.0f}) | "
            f"{r['refused_handshakes']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--fixtures":
        fixtures_main(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
