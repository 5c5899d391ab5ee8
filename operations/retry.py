"""Retrying background work that failed for a transient reason (the database or Redis was away).

Every task that changes data is safe to run twice (its docstring says why), so repeating it after a
dropped connection is harmless. `retry_transient` wraps a task's function, below `@task()`:

    @task()
    @retry_transient()
    def refresh_something(*, idea_ids): ...

A transient error (TRANSIENT_ERRORS) is retried after 1, 2, 4, 8 … seconds (capped), with the broken
database connections dropped first so the next attempt reconnects; any other error, or the last
attempt's, is raised, and the task is recorded FAILED. Inside a transaction nothing is retried: the
transaction is already lost, so the error goes up to whoever opened it.
"""

import functools
import logging
import time

from django.db import InterfaceError, OperationalError, close_old_connections, connection

logger = logging.getLogger(__name__)

try:  # redis-py's errors are not subclasses of the built-in ConnectionError / TimeoutError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover - Redis is optional
    RedisConnectionError = RedisTimeoutError = ConnectionError

TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
)

ATTEMPTS = 5
FIRST_DELAY = 1.0
MAX_DELAY = 30.0


def backoff_delays(*, first: float = FIRST_DELAY, cap: float = MAX_DELAY):
    """1, 2, 4, … seconds, never more than `cap`: the waits between attempts."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


def retry_transient(
    attempts: int = ATTEMPTS,
    *,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
    retry_on: tuple = TRANSIENT_ERRORS,
    sleep=time.sleep,
):
    """Decorate a task's function: retry it on `retry_on` errors, up to `attempts` runs in all."""

    def decorate(function):
        @functools.wraps(function)
        def with_retries(*args, **kwargs):
            delays = backoff_delays(first=first_delay, cap=max_delay)
            for attempt in range(1, attempts + 1):
                try:
                    return function(*args, **kwargs)
                except retry_on as error:
                    if attempt == attempts or connection.in_atomic_block:
                        raise
                    delay = next(delays)
                    logger.warning(
                        "%s failed (%s: %s), attempt %d of %d; retrying in %.0f s",
                        function.__qualname__,
                        type(error).__name__,
                        error,
                        attempt,
                        attempts,
                        delay,
                    )
                    close_old_connections()  # drops a connection that errored and is no longer usable
                    sleep(delay)

        return with_retries

    return decorate
