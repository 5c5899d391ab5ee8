"""A bounded load on the loopback: page views (anonymous and logged in), votes, websocket listeners.

Bounded in every direction: a fixed number of threads, each sending one request at a time on a fixed
schedule (so an outage cannot pile requests up), a cap on the number of requests and on the seconds a
run may last, and a timeout on every request. Every request is recorded with its outcome.
"""

import asyncio
import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from websockets.asyncio.client import connect

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10
PAGE_THREADS = 3
PAGE_INTERVAL = 0.25  # per thread: 12 page views a second in all
VOTE_THREADS = 2
VOTE_INTERVAL = 0.3  # per thread: ~6.7 votes a second in all (each voter stays far below its rate limit)
MAX_REQUESTS = 3000  # per run
MAX_SECONDS = 90  # per run


@dataclass
class Outcome:
    kind: str  # "page_anonymous", "page_member", "vote"
    path: str
    started: float  # time.monotonic()
    finished: float
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    error: str = ""
    content_type: str = ""
    body: str = ""  # kept for answers of 500 and up (first 2 kB), to show what failed
    vote: dict = field(default_factory=dict)  # member, idea, value, answer

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def seconds(self) -> float:
        return self.finished - self.started


class Site:
    """How to reach the app: ports, sessions, CSRF, and the vote pairs (each used once per session)."""

    def __init__(self, *, http_port: int, ws_port: int, fixtures: dict):
        self.http_port, self.ws_port, self.fixtures = http_port, ws_port, fixtures
        self.cookie_name = fixtures["session_cookie_name"]
        self.csrf = fixtures["csrf"]
        self.voters = fixtures["voters"]
        self.idea_urls = fixtures["idea_urls"]
        self._pairs_lock = threading.Lock()
        rng = random.Random(2017)
        pairs = [
            (voter["id"], voter["session"], idea) for voter in self.voters for idea in fixtures["load_ideas"]
        ]
        rng.shuffle(pairs)
        self._load_pairs = iter(pairs)
        self._locked_pairs = {
            idea: iter([(voter["id"], voter["session"]) for voter in self.voters])
            for idea in fixtures["locked_ideas"]
        }

    def next_load_pair(self):
        with self._pairs_lock:
            return next(self._load_pairs)

    def next_locked_pair(self, idea: int):
        with self._pairs_lock:
            return next(self._locked_pairs[idea])

    def cookie(self, session: str = "") -> str:
        parts = [f"csrftoken={self.csrf}"]
        if session:
            parts.insert(0, f"{self.cookie_name}={session}")
        return "; ".join(parts)

    def request(
        self,
        method: str,
        path: str,
        *,
        session: str = "",
        body: dict | None = None,
        kind: str,
        vote: dict | None = None,
    ) -> Outcome:
        headers = {"Host": f"{HOST}:{self.http_port}", "Cookie": self.cookie(session), "Connection": "close"}
        payload = None
        if method == "POST":
            payload = urlencode(body or {}).encode()
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                    "X-CSRFToken": self.csrf,
                    "Origin": f"http://{HOST}:{self.http_port}",
                }
            )
        started = time.monotonic()
        connection = http.client.HTTPConnection(HOST, self.http_port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            status, content_type = response.status, response.getheader("Content-Type", "")
        except (OSError, http.client.HTTPException) as error:
            return Outcome(
                kind,
                path,
                started,
                time.monotonic(),
                None,
                error=f"{type(error).__name__}: {error}",
                vote=vote or {},
            )
        finally:
            connection.close()
        outcome = Outcome(
            kind, path, started, time.monotonic(), status, content_type=content_type, vote=vote or {}
        )
        text = raw.decode("utf-8", "replace")
        if status >= 500:
            outcome.body = text[:2000]
        if method == "POST" and 200 <= status < 300:
            try:
                outcome.vote["answer"] = json.loads(text)
            except ValueError:
                outcome.vote["answer"] = {"unparsed": text[:200]}
        return outcome

    def vote(self, *, member: int, session: str, idea: int, value: int, kind: str = "vote") -> Outcome:
        return self.request(
            "POST",
            f"/ideas/{idea}/vote/",
            session=session,
            body={"value": str(value)},
            kind=kind,
            vote={"member": member, "idea": idea, "value": value},
        )

    def page(self, *, member_session: str = "", rng: random.Random) -> Outcome:
        if rng.random() < 0.3:
            path = "/ideas/"
        else:
            path = self.idea_urls[rng.choice(list(self.idea_urls))]
        kind = "page_member" if member_session else "page_anonymous"
        return self.request("GET", path, session=member_session, kind=kind)


class Load:
    """Page-view and vote threads until stop(), MAX_SECONDS or MAX_REQUESTS, whichever comes first."""

    def __init__(self, site: Site, *, votes: bool = True, seed: int = 0):
        self.site, self.votes, self.seed = site, votes, seed
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.exhausted = False

    def _record(self, outcome: Outcome) -> bool:
        with self._lock:
            self.outcomes.append(outcome)
            if len(self.outcomes) >= MAX_REQUESTS:
                self._stop.set()
        return not self._stop.is_set()

    def _run(self, index: int, interval: float, send) -> None:
        rng = random.Random(self.seed * 100 + index)
        began = time.monotonic()
        due = began + rng.random() * interval
        while not self._stop.is_set() and time.monotonic() - began < MAX_SECONDS:
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            due = max(due + interval, time.monotonic())
            if not self._record(send(rng)):
                break

    def _page(self, rng):
        session = rng.choice(self.site.voters)["session"] if rng.random() < 0.5 else ""
        return self.site.page(member_session=session, rng=rng)

    def _vote(self, rng):
        try:
            member, session, idea = self.site.next_load_pair()
        except StopIteration:
            self.exhausted = True
            self._stop.set()
            return Outcome("none", "", time.monotonic(), time.monotonic(), None, error="vote pairs used up")
        value = -1 if rng.random() < 0.2 else 1
        return self.site.vote(member=member, session=session, idea=idea, value=value)

    def start(self) -> "Load":
        jobs = [(PAGE_INTERVAL, self._page)] * PAGE_THREADS
        if self.votes:
            jobs += [(VOTE_INTERVAL, self._vote)] * VOTE_THREADS
        for index, (interval, send) in enumerate(jobs):
            thread = threading.Thread(target=self._run, args=(index, interval, send), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + 5)
        with self._lock:
            return [outcome for outcome in self.outcomes if outcome.kind != "none"]


class Listeners:
    """Websocket clients on one idea, reconnecting after a close as the site's script does (but with
    the back-off capped at 2 s, so the figures measure the server, not the client's patience)."""

    def __init__(self, *, ws_port: int, http_port: int, idea: int, count: int = 2):
        self.url = f"ws://{HOST}:{ws_port}/ws/ideas/{idea}/"
        self.origin = f"http://{HOST}:{http_port}"
        self.idea, self.count = idea, count
        self.events: list[list[tuple[float, int]]] = [[] for _ in range(count)]  # (monotonic, votes)
        self.connects = [0] * count
        self.closes = [0] * count
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._tasks = []

    async def _listen(self, index: int) -> None:
        delay = 0.5
        while True:
            try:
                async with connect(self.url, origin=self.origin, open_timeout=5) as ws:
                    with self._lock:
                        self.connects[index] += 1
                    delay = 0.5
                    async for raw in ws:
                        event = json.loads(raw)
                        if event.get("type") == "idea.votes" and event.get("idea") == self.idea:
                            with self._lock:
                                self.events[index].append((time.monotonic(), event["votes"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001, S110 - any failure to connect or a dropped socket: reconnect
                pass
            with self._lock:
                self.closes[index] += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2)

    def start(self) -> "Listeners":
        self._thread.start()
        for index in range(self.count):
            self._tasks.append(asyncio.run_coroutine_threadsafe(self._listen(index), self._loop))
        return self

    def received_since(self, since: float, votes: int) -> list[bool]:
        """For each listener: has it heard the count `votes` at or after `since`?"""
        with self._lock:
            return [any(at >= since and count == votes for at, count in events) for events in self.events]

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()

        async def settle():
            await asyncio.sleep(0.1)

        if self._thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(settle(), self._loop).result(5)
            except Exception:  # noqa: BLE001, S110 - teardown goes on whatever the loop says
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
