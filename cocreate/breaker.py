"""Circuit breakers: after a dependency fails, skip it for a few seconds instead of paying a timeout per call.

Redis is an accelerator (the cache, the vote windows' sets, live updates). When it is unreachable the
site carries on from PostgreSQL, but every call to Redis would still cost a connect or read timeout,
and one page makes several calls. A breaker turns that into one failed call per pause:

    closed     calls go through (the normal state)
    open       the last call failed: calls are refused at once until `pause_seconds` have passed
    half-open  the pause is over: one call goes through as a trial; its success closes the breaker,
               its failure opens it for another pause (the others are refused meanwhile)

Each process keeps its own breakers (`breaker(name)`), one per Redis server for the cache and the
vote windows (cocreate/cache.py) and one for the channel layer's sends (ideas/broadcasts.py).
`/health/` reports their states. The breakers log when they open and close, not on every refused call,
so an outage is two log lines per process, not one per request.
"""

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class CircuitBreaker:
    def __init__(self, name: str, *, pause_seconds: float | None = None, clock=time.monotonic):
        self.name = name
        self._pause_seconds = pause_seconds
        self.clock = clock
        self.lock = threading.Lock()
        self.state = CLOSED
        self.opened_at = 0.0
        self.trial_started_at = 0.0
        self.last_error = ""
        self.failures = 0  # calls that failed since the breaker last closed

    @property
    def pause_seconds(self) -> float:
        if self._pause_seconds is not None:
            return self._pause_seconds
        return settings.REDIS_BREAKER_SECONDS

    def allow(self) -> bool:
        """May a call go out now? Cheap while closed: no lock."""
        if self.state == CLOSED:
            return True
        with self.lock:
            now = self.clock()
            if self.state == OPEN and now - self.opened_at >= self.pause_seconds:
                self.state = HALF_OPEN
                self.trial_started_at = now
                return True
            if self.state == HALF_OPEN and now - self.trial_started_at >= self.pause_seconds:
                # The trial never reported back (its caller gave up without a reply): try another.
                self.trial_started_at = now
                return True
            return self.state == CLOSED

    def succeeded(self) -> None:
        if self.state == CLOSED:
            return
        with self.lock:
            if self.state != CLOSED:
                logger.warning("%s is back after %d failed call(s)", self.name, self.failures)
                self.state = CLOSED
                self.failures = 0

    def failed(self, error: BaseException | str) -> None:
        with self.lock:
            self.failures += 1
            self.last_error = str(error)[:200]
            # Logged when it opens, not when a trial fails during the same outage (one line per pause).
            if self.state == CLOSED:
                logger.warning(
                    "%s failed (%s): skipping it for %s s at a time until it answers",
                    self.name,
                    self.last_error,
                    self.pause_seconds,
                )
            self.state = OPEN
            self.opened_at = self.clock()

    def reset(self) -> None:
        """Closed, as new (tests; an operator's shell)."""
        with self.lock:
            self.state = CLOSED
            self.failures = 0
            self.last_error = ""

    def report(self) -> dict:
        """For /health/: the state, and while not closed the failed calls so far (not the error: it may
        name addresses or secrets, so it stays in the log)."""
        report = {"state": self.state}
        if self.state != CLOSED:
            report["failures"] = self.failures
        return report


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker(name: str) -> CircuitBreaker:
    """This process's breaker called `name`, created closed on first use."""
    found = _breakers.get(name)
    if found is None:
        with _breakers_lock:
            found = _breakers.setdefault(name, CircuitBreaker(name))
    return found


def all_breakers() -> list[CircuitBreaker]:
    return sorted(_breakers.values(), key=lambda b: b.name)
