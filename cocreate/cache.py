"""The one way to Redis beyond Django's cache API, and what keeps Redis an accelerator rather than a
single point of failure.

The default cache is django-redis when REDIS_URL is set (cocreate/settings/base.py). Anything that
needs more than get/set uses the redis-py client behind that cache, through django-redis's public
`get_redis_connection` (`shared_redis()`), so it shares the pool, the settings and the breaker.

When Redis is unreachable (settings: `IGNORE_EXCEPTIONS`, short socket timeouts):
  - cache reads are misses and cache writes do nothing (django-redis's documented "memcached
    behaviour"), so pages, sessions (`cached_db`) and members come from the database;
  - `BreakerConnectionPool` gives every connection of the pool, the cache's and `shared_redis()`'s
    alike, a circuit breaker (cocreate/breaker.py): after a failed connect or read, calls are refused
    at once (`RedisSkipped`, a redis-py ConnectionError) for a few seconds, so an outage costs
    microseconds per call instead of a timeout per call;
  - `FailSoftClient` remembers the keys that a failed write or delete left behind (a member's logout,
    a changed member's token, a page) and deletes them once Redis answers again: a copy that should
    have been replaced or removed while Redis was unreachable (a partition, not a restart, where it
    would be gone anyway) must not be served once it is reachable again.
"""

import itertools
import logging
import threading

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis import get_redis_connection
from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from redis import ConnectionPool
from redis.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .breaker import breaker

logger = logging.getLogger(__name__)


def shared_redis():
    """The redis-py client behind the default cache when it is Redis; None otherwise (a local cache
    in development). Its calls raise redis-py's ConnectionError at once while Redis is skipped (see
    `RedisSkipped`): callers after a commit must catch it or run robustly."""
    try:
        return get_redis_connection("default")
    except NotImplementedError:  # django-redis's answer for a backend that is not django-redis
        return None


class RedisSkipped(RedisConnectionError):
    """Redis failed a moment ago: this call is not even tried (the breaker is open)."""


class _BreakerConnection:
    """A redis-py connection that asks its server's breaker before connecting (which the pool does on
    every checkout) and tells it how each reply went."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        address = getattr(self, "path", None) or f"{self.host}:{self.port}"
        self.cocreate_breaker = breaker(f"Redis at {address}")

    def connect(self, *args, **kwargs):
        if not self.cocreate_breaker.allow():
            raise RedisSkipped(f"{self.cocreate_breaker.name} is skipped for a few seconds after a failure")
        try:
            return super().connect(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as error:
            self.cocreate_breaker.failed(error)
            raise

    def read_response(self, *args, **kwargs):
        try:
            response = super().read_response(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as error:
            self.cocreate_breaker.failed(error)
            raise
        self.cocreate_breaker.succeeded()
        return response


class BreakerConnection(_BreakerConnection, Connection):
    pass


class BreakerSSLConnection(_BreakerConnection, SSLConnection):
    pass


class BreakerUnixConnection(_BreakerConnection, UnixDomainSocketConnection):
    pass


_WITH_BREAKER = {
    Connection: BreakerConnection,
    SSLConnection: BreakerSSLConnection,
    UnixDomainSocketConnection: BreakerUnixConnection,
}


class BreakerConnectionPool(ConnectionPool):
    """redis-py's pool, whose connections (TCP, TLS or Unix socket, as the URL says) carry a breaker.
    Named in the cache's `CONNECTION_POOL_CLASS` option (django-redis builds it with `from_url`)."""

    def __init__(self, connection_class=Connection, **kwargs):
        super().__init__(connection_class=_WITH_BREAKER.get(connection_class, connection_class), **kwargs)


# Keys whose write or delete failed, to delete once Redis answers again: (key, version) as the cache API
# takes them, each with the number of the failure that left it behind (see `_forget`).
#
# Bounded: past LOST_WRITES_KEPT an outage has touched more than a short one does, and the log says to
# clear the cache. Replayed in batches of LOST_WRITES_BATCH: while Redis is still away, a call pays for
# one batch it cannot send (microseconds), not for copying every remembered key (milliseconds at 10,000).
LOST_WRITES_KEPT = 10_000
LOST_WRITES_BATCH = 500
_lost_writes: dict[tuple[str, int | None], int] = {}
_lost_writes_lock = threading.Lock()
_lost_writes_overflowed = False
_failure_numbers = itertools.count()


def _remember_lost_writes(keys, version) -> None:
    global _lost_writes_overflowed
    with _lost_writes_lock:
        number = next(_failure_numbers)
        for key in keys:
            if (key, version) not in _lost_writes and len(_lost_writes) >= LOST_WRITES_KEPT:
                if not _lost_writes_overflowed:
                    logger.error(
                        "More than %d cache writes were lost while Redis was unreachable; entries may be "
                        "stale once it answers again: run `manage.py shell -c "
                        '"from django.core.cache import cache; cache.clear()"`',
                        LOST_WRITES_KEPT,
                    )
                _lost_writes_overflowed = True
                return
            _lost_writes[key, version] = number


def _lost_write_batch() -> list[tuple[tuple[str, int | None], int]]:
    with _lost_writes_lock:
        return list(itertools.islice(_lost_writes.items(), LOST_WRITES_BATCH))


def _forget(deleted) -> None:
    """Forget the keys of a batch that Redis has deleted, unless a write failed again meanwhile: a key is
    forgotten only after its DEL succeeded (until then every call deletes it first, so no call in
    another thread reads the stale copy in between), and only for the failure that DEL covered."""
    global _lost_writes_overflowed
    with _lost_writes_lock:
        for item, number in deleted:
            if _lost_writes.get(item) == number:
                del _lost_writes[item]
        if not _lost_writes:
            _lost_writes_overflowed = False


def lost_write_count() -> int:
    return len(_lost_writes)


def forget_lost_writes() -> None:
    """Drop the remembered keys without deleting them (tests, between servers)."""
    global _lost_writes_overflowed
    with _lost_writes_lock:
        _lost_writes.clear()
        _lost_writes_overflowed = False


class FailSoftClient(DefaultClient):
    """django-redis's default client (the cache's `CLIENT_CLASS`), remembering the keys that failed
    writes and deletes left behind and deleting them on the first call after Redis answers again.

    The memory is this process's: another process that lost no write has nothing to replay, so a stale
    entry goes when the process that lost the write makes its next cache call (or, if it stops first,
    when the entry expires).
    """

    def set(
        self, key, value, timeout=DEFAULT_TIMEOUT, version=None, client=None, nx=False, xx=False, **kwargs
    ):
        self.delete_lost_writes()
        try:
            return super().set(key, value, timeout, version=version, client=client, nx=nx, xx=xx, **kwargs)
        except ConnectionInterrupted:
            # A failed `add` (nx) replaced nothing, so it left nothing stale; deleting its key later
            # would drop what another process added since (a lock, a rate window, a member's token).
            if not nx:
                _remember_lost_writes([key], version)
            raise

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None, client=None, **kwargs):
        self.delete_lost_writes()
        try:
            return super().set_many(data, timeout, version=version, client=client, **kwargs)
        except ConnectionInterrupted:
            _remember_lost_writes(list(data), version)
            raise

    def delete(self, key, version=None, prefix=None, client=None, **kwargs):
        self.delete_lost_writes()
        try:
            return super().delete(key, version=version, prefix=prefix, client=client, **kwargs)
        except ConnectionInterrupted:
            if prefix is None:  # a replay could not name another prefix
                _remember_lost_writes([key], version)
            raise

    def delete_many(self, keys, version=None, client=None, **kwargs):
        self.delete_lost_writes()
        keys = list(keys)
        try:
            return super().delete_many(keys, version=version, client=client, **kwargs)
        except ConnectionInterrupted:
            _remember_lost_writes(keys, version)
            raise

    def get(self, *args, **kwargs):
        self.delete_lost_writes()
        return super().get(*args, **kwargs)

    def get_many(self, *args, **kwargs):
        self.delete_lost_writes()
        return super().get_many(*args, **kwargs)

    def delete_lost_writes(self) -> None:
        """Delete the keys that failed writes left behind, if any (nothing to do, and no lock taken, in
        the normal case; one round trip per LOST_WRITES_BATCH keys after an outage). Never raises: while
        Redis is still unreachable the keys are kept for the next call."""
        deleted = 0
        # Bounded: each round forgets a batch unless writes keep failing, which stops the loop anyway.
        for _ in range(LOST_WRITES_KEPT // LOST_WRITES_BATCH + 1):
            if not _lost_writes:
                break
            batch = _lost_write_batch()
            by_version: dict = {}
            for (key, version), _number in batch:
                by_version.setdefault(version, []).append(key)
            try:
                for version, keys in by_version.items():
                    super().delete_many(keys, version=version)
            except ConnectionInterrupted:
                break  # still unreachable: kept for the next call
            _forget(batch)
            deleted += len(batch)
        if deleted:
            logger.info("Deleted %d cache entries that writes lost while Redis was unreachable", deleted)
