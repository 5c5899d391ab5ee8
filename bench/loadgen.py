"""A small open-loop HTTP load generator: a fixed request rate, latency counted from the scheduled time.

wrk2 (constant-rate wrk) is not packaged for Debian, and plain wrk with a Lua delay() cannot pace
gunicorn's sync workers fairly: wrk reconnects right after each response (the sync worker closes the
connection) and waits its delay on the fresh, idle connection, which a worker has already accepted and
now sits blocked on. So "p99 at half of peak" is measured here instead: request k is due at
start + k / rate, opens its own connection when it is due, and its latency runs from the due time, not
from when it was actually sent, so a stalled server cannot hide its queue (no coordinated omission).
The generator's own CPU use is reported, because it shares the machine's cores with the servers.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass


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
) -> PacedResult:
    """Send make_request(k) at start + k / rate for `duration` seconds; latencies from the due time."""
    total = max(1, int(rate * duration))
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
