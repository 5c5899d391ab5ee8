"""Short shared caches for the busiest pages, refreshed stale-while-revalidate.

An entry is fresh for `fresh_seconds`. After that, and for at most STALE_SECONDS more, the first
request to notice takes a lock (`cache.add`) and renders a new copy while every other request keeps
getting the old one, so no crowd of requests queues behind a re-render when an entry expires. Past
fresh + stale the entry is gone and the next requests render it themselves. A page is therefore never
more than fresh + stale seconds old, and under steady traffic no more than `fresh_seconds` plus one
render.

The clock is wall time (`time.time`), not a monotonic clock: the entries are shared by every worker
process through the cache.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

STALE_SECONDS = 5
# Longer than any render; a crashed render's lock expires on its own.
LOCK_SECONDS = 10


def now() -> float:
    return time.time()


_NOT_READ = object()


def get_or_render(
    key: str,
    render: Callable[[], T],
    *,
    fresh_seconds: float,
    keep: Callable[[T], bool] = bool,
    entry=_NOT_READ,
) -> T:
    """The cached value under `key`, or `render()`, stored there when `keep(value)` says so (an error
    page is not kept). `fresh_seconds <= 0` turns caching off. `entry`: what the caller has already
    read from the cache under `key` (None for nothing), to save the round trip."""
    if fresh_seconds <= 0:
        return render()
    if entry is _NOT_READ:
        entry = cache.get(key)
    locked = False
    if entry is not None:
        rendered_at, value = entry
        age = now() - rendered_at
        if age < fresh_seconds:
            return value
        if age < fresh_seconds + STALE_SECONDS:
            locked = cache.add(f"{key}:lock", 1, LOCK_SECONDS)
            if not locked:
                return value  # another request is rendering the new copy
    try:
        value = render()
        if keep(value):
            cache.set(key, (now(), value), fresh_seconds + STALE_SECONDS)
    finally:
        if locked:
            cache.delete(f"{key}:lock")
    return value
