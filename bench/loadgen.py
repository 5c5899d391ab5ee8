"""A small open-loop HTTP load generator: a fixed request rate, latency counted from the scheduled time.

wrk2 (constant-rate wrk) is not packaged for Debian, and plain wrk with a Lua delay() cannot pace a
server fairly (seen with gunicorn's sync workers, which served the benchmark before granian): wrk
reconnects right after each response (the sync worker closed the connection) and waits its delay on the
fresh, idle connection, which a worker has already accepted and now sits blocked on.
So "p99 at half of peak" is measured here instead: request k is due at
start + k / rate, opens its own connection when it is due, and its latency runs from the due time, not
from when it was actually sent, so a stalled server cannot hide its queue (no coordinated omission).
The generator's own CPU use is reported, because it shares the machine's cores with the servers.
"""

import asyncio
import resource
import subprocess  # noqa: S404 - runs h2load with our own arguments
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def build_request(
    method: str, path: str, *, host: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close", "User-Agent: cocreate-bench"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def parse_response(raw: bytes) -> Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return Response(status=int(status_line.split()[1]), headers=headers, body=body)


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


class _Exchange(asyncio.Protocol):
    """Writes one request on a fresh connection and collects everything until the server closes it."""

    def __init__(self, request: bytes, done: asyncio.Future):
        self.request = request
        self.done = done
        self.chunks: list[bytes] = []

    def connection_made(self, transport):
        transport.write(self.request)

    def data_received(self, data):
        self.chunks.append(data)

    def connection_lost(self, exc):
        if not self.done.done():
            if exc is None:
                self.done.set_result(b"".join(self.chunks))
            else:
                self.done.set_exception(exc)


async def exchange(host: str, port: int, request: bytes, *, timeout: float = 10.0) -> bytes:
    """The raw response to one request on its own connection (the server closes it after answering).

    A bare asyncio Protocol rather than streams: at hundreds of requests per second the generator's
    own CPU time competes with the servers for the same cores, so it is kept as small as possible.
    """
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport = None
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(lambda: _Exchange(request, done), host, port)
            return await done
    finally:
        if transport is not None:
            transport.close()


async def send(host: str, port: int, request: bytes, *, timeout: float = 10.0) -> Response:
    """One request on its own connection, parsed."""
    return parse_response(await exchange(host, port, request, timeout=timeout))


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class PacedResult:
    target_rate: float
    achieved_rate: float
    sent: int
    completed: int
    errors: int
    bad_status: int
    p50_ms: float
    p99_ms: float
    p99_from_send_ms: float
    max_ms: float
    generator_cpu_pct: float

    @classmethod
    def nothing(cls) -> "PacedResult":
        """The result of a run that was not made."""
        nan = float("nan")
        return cls(0.0, nan, 0, 0, 0, 0, nan, nan, nan, nan, 0.0)


async def paced_load(
    *,
    host: str,
    port: int,
    make_request: Callable[[int], bytes],
    rate: float,
    duration: float,
    ok_status: frozenset[int] = frozenset({200}),
    timeout: float = 10.0,
    max_in_flight: int = 1000,
    log_file: Path | None = None,
) -> PacedResult:
    """Send make_request(k) at start + k / rate for `duration` seconds; latencies from the due time.

    `log_file`: one line per answered request, as h2load writes them (due time in µs since the epoch,
    status, µs from the due time to the end of the response), to see when slow requests came."""
    total = max(1, int(rate * duration))
    wall_offset = time.time() - time.perf_counter()
    log_lines: list[str] = []
    from_due: list[float] = []
    from_send: list[float] = []
    errors = bad_status = 0
    in_flight = 0
    done_at = 0.0

    async def one(k: int, due: float):
        nonlocal errors, bad_status, in_flight, done_at
        in_flight += 1
        sent = time.perf_counter()
        try:
            raw = await exchange(host, port, make_request(k), timeout=timeout)
            status = int(raw[9:12])  # "HTTP/1.1 200 OK": parsing the rest would cost CPU for nothing
        except (OSError, ValueError):
            errors += 1
            return
        finally:
            in_flight -= 1
        finished = time.perf_counter()
        done_at = max(done_at, finished)
        if status not in ok_status:
            bad_status += 1
        from_due.append(finished - due)
        from_send.append(finished - sent)
        if log_file is not None:
            log_lines.append(f"{int((due + wall_offset) * 1e6)}\t{status}\t{int((finished - due) * 1e6)}")

    cpu_start = time.process_time()
    start = time.perf_counter() + 0.05
    tasks = []
    k = 0
    while k < total:
        now = time.perf_counter()
        while k < total and start + k / rate <= now:
            if in_flight >= max_in_flight:
                errors += 1  # the server fell this far behind: count it as a failed request
            else:
                tasks.append(asyncio.create_task(one(k, start + k / rate)))
            k += 1
        if k < total:
            await asyncio.sleep(max(0.0, start + k / rate - time.perf_counter()))
    await asyncio.gather(*tasks)
    if log_file is not None:
        log_file.write_text("\n".join(log_lines) + "\n")
    elapsed = max(done_at - start, 1e-9)
    cpu = time.process_time() - cpu_start
    return PacedResult(
        target_rate=rate,
        achieved_rate=len(from_due) / elapsed,
        sent=len(tasks),
        completed=len(from_due),
        errors=errors,
        bad_status=bad_status,
        p50_ms=percentile(from_due, 50) * 1000,
        p99_ms=percentile(from_due, 99) * 1000,
        p99_from_send_ms=percentile(from_send, 99) * 1000,
        max_ms=max(from_due, default=float("nan")) * 1000,
        generator_cpu_pct=100 * cpu / elapsed,
    )


# --- h2load: the same open-loop measurement for GET requests, at a fraction of the CPU ---------------
#
# The generator above costs ~0.3 ms of CPU per request (a Python task and a fresh connection each), as
# much as B itself, and it runs on the servers' two cores: at B's half-peak rate it kept the machine
# ~80 % busy and made a view that does nothing miss 50 ms at p99 (bench/RESULTS.md, second session of
# 2026-12-02).
# h2load (Debian's nghttp2-client) makes the same fresh connection per request from C for a third of
# that, so GET endpoints, which all send one fixed request, use it; the vote run, whose every request
# differs, keeps the generator above at its lower rate.

H2LOAD_MAX_PERIOD_MS = 1000


def h2load_plan(rate: float) -> tuple[int, int]:
    """(connections, period in ms) for h2load's `-r N --rate-period Pms`, closest to `rate` per second.

    h2load takes whole milliseconds and opens its N connections at once each period, so the shortest
    period within 1 % of the rate keeps the bursts small; failing that, the closest rate of all.
    """
    best = None
    for period in range(1, H2LOAD_MAX_PERIOD_MS + 1):
        connections = max(1, round(rate * period / 1000))
        error = abs(connections * 1000 / period - rate) / rate
        if error <= 0.01:
            return connections, period
        if best is None or error < best[0]:
            best = (error, connections, period)
    return best[1], best[2]


def h2load_paced(
    url: str, *, rate: float, duration: float, headers: dict[str, str], log_file: Path
) -> PacedResult:
    """GET `url` on a fresh connection at `rate` per second for `duration` seconds, through h2load.

    Latency is h2load's own per request, from sending the request to the end of the response; each
    connection is opened on schedule whatever the server does, so a server's queue shows in it (the
    kernel completes the handshake of a connection waiting in the listen queue).
    """
    connections, period = h2load_plan(rate)
    planned_rate = connections * 1000 / period
    total = max(1, int(planned_rate * duration))
    cmd = ["h2load", "--h1", "-t1", f"-r{connections}", f"--rate-period={period}ms"]
    cmd += [f"-c{total}", f"-n{total}"]  # one request per connection, each opened on schedule
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    cmd += [f"--log-file={log_file}", url]
    log_file.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, capture_output=True, text=True, check=True)  # noqa: S603 - our own command line
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    statuses, latencies = [], []
    for line in log_file.read_text().splitlines():
        _start_us, status, duration_us, *_ = line.split("\t")
        statuses.append(int(status))
        latencies.append(int(duration_us) / 1e6)
    completed = [latency for status, latency in zip(statuses, latencies, strict=True) if status != -1]
    p99_ms = percentile(completed, 99) * 1000  # h2load measures from sending: due and sent are one time
    return PacedResult(
        target_rate=rate,
        achieved_rate=len(completed) / elapsed,
        sent=total,
        completed=len(completed),
        errors=total - len(completed),
        bad_status=sum(1 for status in statuses if status not in (-1, 200)),
        p50_ms=percentile(completed, 50) * 1000,
        p99_ms=p99_ms,
        p99_from_send_ms=p99_ms,
        max_ms=max(completed, default=float("nan")) * 1000,
        generator_cpu_pct=100 * cpu / elapsed,
    )
