"""Slow clients: connections that send their request a byte at a time, and how the site answers others.

    .venv/bin/python -m bench.slow_clients URL [--headers N] [--bodies N] [--sources N] [--requests N]

Opens N connections that send their headers a byte a second (slowloris) and N that send complete
headers of a POST, then its body a byte a second; each reconnects when the server closes it, until the
end. Meanwhile it sends normal GETs of URL (a new connection each, paced) and prints how many were
answered and their latency (p50, p99, max). The slow connections come from `--sources` loopback
addresses (127.0.1.1, 127.0.1.2, …), as if from that many machines: per-address limits (nginx's
limit_conn) then count each attacker apart from the normal requests, which come from 127.0.0.1. Only
loopback addresses are ever targeted. tests/deploy/test_nginx.py runs it through the production nginx
recipe; docs/production.md and bench/RESULTS.md have the figures, with and without the proxy.

The slow bodies carry a CSRF cookie, so that Django really reads the body (its CSRF check reads the
form before the view), as an attacker's would.
"""

import argparse
import asyncio
import http.client
import itertools
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A made-up CSRF cookie: Django reads a POST's form only when a cookie is present.
CSRF_COOKIE = "csrftoken=" + "s" * 32


def attacker_address(index: int) -> str:
    """The loopback source address of the `index`-th attacking machine: 127.0.1.1, 127.0.1.2, …"""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


def insecure_tls() -> ssl.SSLContext:
    """TLS without certificate checks: the test's proxy uses a throw-away self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class AttackStats:
    opened: int = 0
    answered: dict[int, int] = field(default_factory=dict)  # status → count (408, 429, 400 …)
    closed_silently: int = 0  # the server closed (or reset) without an answer
    refused: int = 0  # connect failed

    def summary(self) -> str:
        answered = ", ".join(f"{status}: {count}" for status, count in sorted(self.answered.items()))
        return (
            f"{self.opened} connections opened, answered {{{answered}}}, "
            f"{self.closed_silently} closed without an answer, {self.refused} refused"
        )


class SlowClients:
    """`headers` slowloris connections and `bodies` slow-body POSTs against host:port, in a thread."""

    def __init__(
        self,
        url: str,
        *,
        headers: int,
        bodies: int,
        sources: int,
        interval: float = 1.0,
        body_bytes: int = 100_000,
    ):
        parts = urlsplit(url)
        self.tls = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port or (443 if self.tls else 80)
        assert self.host.startswith("127."), "slow clients only ever target the loopback"
        self.path = parts.path or "/"
        self.kinds = ["headers"] * headers + ["body"] * bodies
        self.sources = max(1, sources)
        self.interval, self.body_bytes = interval, body_bytes
        self.stats = AttackStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "slow clients did not stop"

    async def _run(self) -> None:
        await asyncio.gather(*(self._client(kind, index) for index, kind in enumerate(self.kinds)))

    def _request_head(self, kind: str) -> bytes:
        if kind == "headers":  # never finished: the header line grows a byte at a time
            return f"GET {self.path} HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".encode()
        return (
            f"POST {self.path} HTTP/1.1\r\nHost: localhost\r\nCookie: {CSRF_COOKIE}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {self.body_bytes}\r\n\r\n"
        ).encode()

    async def _client(self, kind: str, index: int) -> None:
        source = attacker_address(index % self.sources)
        while not self._stop.is_set():
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(
                        self.host,
                        self.port,
                        ssl=insecure_tls() if self.tls else None,
                        server_hostname="localhost" if self.tls else None,
                        local_addr=(source, 0),
                    ),
                    timeout=10,
                )
            except (OSError, TimeoutError):
                self.stats.refused += 1
                await asyncio.sleep(self.interval)
                continue
            self.stats.opened += 1
            try:
                await self._dribble(kind, reader, writer)
            finally:
                writer.close()
                try:
                    await asyncio.wait_for(writer.wait_closed(), timeout=2)
                except (OSError, TimeoutError, ssl.SSLError):
                    pass
            await asyncio.sleep(0.1)

    async def _dribble(self, kind: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Send the request head (a slowloris: a byte at a time), then the body a byte at a time."""
        head = self._request_head(kind)
        if kind == "body":
            writer.write(head)
            head = b""
        trickle = itertools.chain(head, itertools.repeat(ord("a")))
        try:
            while not self._stop.is_set():
                writer.write(bytes([next(trickle)]))
                await writer.drain()
                try:
                    answer = await asyncio.wait_for(reader.read(4096), timeout=self.interval)
                except TimeoutError:
                    continue  # no answer yet: send the next byte
                if not answer:
                    self.stats.closed_silently += 1
                    return
                status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
                self.stats.answered[status] = self.stats.answered.get(status, 0) + 1
                return
        except (OSError, ssl.SSLError):
            self.stats.closed_silently += 1


@dataclass
class NormalRequests:
    statuses: list[int] = field(default_factory=list)  # 0: no answer (refused, reset, timed out)
    seconds: list[float] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for status in self.statuses if 200 <= status < 400)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> str:
        return (
            f"{self.answered} of {len(self.statuses)} normal requests answered; "
            f"p50 {self.percentile(0.5) * 1000:.0f} ms, p99 {self.percentile(0.99) * 1000:.0f} ms, "
            f"max {max(self.seconds) * 1000:.0f} ms"
        )


def normal_requests(urls: list[str], *, count: int, pause: float, timeout: float = 30) -> NormalRequests:
    """`count` GETs, round-robin over `urls`, each on a new connection; `pause` seconds between them."""
    result = NormalRequests()
    for number in range(count):
        parts = urlsplit(urls[number % len(urls)])
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=timeout, context=insecure_tls()
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        started = time.perf_counter()
        try:
            conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            conn.close()
        result.seconds.append(time.perf_counter() - started)
        result.statuses.append(status)
        time.sleep(pause)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="a page to request normally, e.g. http://127.0.0.1:8001/ideas/")
    parser.add_argument("--target", help="where the slow clients go (default: the url)")
    parser.add_argument("--headers", type=int, default=100, help="slowloris connections")
    parser.add_argument("--bodies", type=int, default=100, help="slow-body connections")
    parser.add_argument("--sources", type=int, default=200, help="attacking addresses")
    parser.add_argument("--requests", type=int, default=200, help="normal requests")
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between normal requests")
    parser.add_argument("--settle", type=float, default=3, help="seconds of attack before measuring")
    parser.add_argument("--timeout", type=float, default=30, help="seconds a normal request may take")
    args = parser.parse_args()
    attack = SlowClients(
        args.target or args.url, headers=args.headers, bodies=args.bodies, sources=args.sources
    )
    attack.start()
    try:
        time.sleep(args.settle)
        measured = normal_requests([args.url], count=args.requests, pause=args.pause, timeout=args.timeout)
    finally:
        attack.stop()
    print(measured.summary())
    print(f"slow clients: {attack.stats.summary()}")
    sys.exit(0 if measured.answered == len(measured.statuses) else 1)


if __name__ == "__main__":
    main()
