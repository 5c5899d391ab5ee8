"""Short shared caches for the busiest pages, refreshed stale-while-revalidate.

An entry is fresh for `fresh_seconds`. After that, and for at most STALE_SECONDS more, the first
request to notice takes a lock (`cache.add`) and renders a new copy while every other request keeps
getting the old one, so no crowd of requests queues behind a re-render when an entry expires. Past
fresh + stale the entry is gone and the next requests render it themselves. A page is therefore never
more than fresh + stale seconds old, and under steady traffic no more than `fresh_seconds` plus one
render.

The clock is wall time (`time.time`), not a monotonic clock: the entries are shared by every worker
process through the cache.

Copies kept in the process too (`local=True`, the members' shared pages, ideas/fragments.py): reading
a page's whole copy from Redis and unpickling it on every request (45–55 kB; about a tenth of a member
page's CPU, bench/RESULTS.md 2026-12-04 evening) is replaced by reading which copy is current. The
cache then holds under the page's key `(rendered_at, SharedCopy(token))`, a few bytes, and the copy
itself under `copy_key(key, token)`; each process keeps the last LOCAL_COPIES copies it read, by token,
and reads a copy from the cache only once, the first time it meets its token. A token is drawn for each
rendering and a copy is never changed after it is stored, so a process's copy is always one the
cache named. Only immutable values may be kept so (frozen dataclasses of strings, ids, tuples and dicts
nobody writes to), never a response object, which middleware changes per request.

While the copy a process last met for a page is fresh (younger than `fresh_seconds` since it was
rendered), the process serves it without asking the cache which copy is current: such a page costs no
cache round trip at all (a tenth of a member's list page on the bench machine, bench/RESULTS.md
2026-12-06 04:09). No copy is newer than a fresh one except one rendered out of turn (a member's idea
page rendered anew for their own comment, ideas/views.py); other processes serve that one once their
own copy is `fresh_seconds` old, the bound every reader of these pages already has.
"""

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

# Copies kept per process: the hot pages (first list pages, the ideas being discussed); ~100–300 kB each.
LOCAL_COPIES = 64


@dataclass(frozen=True)
class SharedCopy:
    """What the cache holds under a page's key when copies are kept in each process: which copy is current."""

    token: str


def copy_key(key: str, token: str) -> str:
    return f"{key}:copy:{token}"


class LocalCopies:
    """The copies this process read last, by token (or any other key); the least recently used goes
    first."""

    def __init__(self, size: int):
        self.size = size
        self.copies: OrderedDict[str, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, token: str):
        with self.lock:
            value = self.copies.get(token)
            if value is not None:
                self.copies.move_to_end(token)
            return value

    def clear(self) -> None:
        with self.lock:
            self.copies.clear()

    def put(self, token: str, value) -> None:
        with self.lock:
            self.copies[token] = value
            self.copies.move_to_end(token)
            while len(self.copies) > self.size:
                self.copies.popitem(last=False)


local_copies = LocalCopies(LOCAL_COPIES)
# Page key -> (rendered_at, token): the copy this process last met for each page.
last_met = LocalCopies(LOCAL_COPIES)


def _resolved(key: str, rendered_at: float, value):
    """The copy an entry names (`SharedCopy`), from this process or else the cache; None when the cache
    has lost it. Any other value is the copy itself."""
    if not isinstance(value, SharedCopy):
        return value
    copy = local_copies.get(value.token)
    if copy is None:
        copy = cache.get(copy_key(key, value.token))
        if copy is None:
            return None
        local_copies.put(value.token, copy)
    last_met.put(key, (rendered_at, value.token))
    return copy


def _fresh_in_process(key: str, fresh_seconds: float):
    """The copy this process last met for the page, if it is still fresh; else None."""
    met = last_met.get(key)
    if met is None or now() - met[0] >= fresh_seconds:
        return None
    return local_copies.get(met[1])


STALE_SECONDS = 5
# Longer than any render; a crashed render's lock expires on its own.
LOCK_SECONDS = 10


def now() -> float:
    return time.time()


# `entry` when the caller has read nothing from the cache: get_or_render reads it.
NOT_READ = object()


def get_or_render(
    key: str,
    render: Callable[[], T],
    *,
    fresh_seconds: float,
    keep: Callable[[T], bool] = bool,
    entry=NOT_READ,
    local: bool = False,
) -> T:
    """The cached value under `key`, or `render()`, stored there when `keep(value)` says so (an error
    page is not kept). `fresh_seconds <= 0` turns caching off. `entry`: what the caller has already
    read from the cache under `key` (None for nothing: render). `local`: keep copies in the process as
    well, and serve a fresh one without asking the cache (see the module's docstring; immutable values
    only)."""
    if fresh_seconds <= 0:
        return render()
    if entry is NOT_READ:
        value = _fresh_in_process(key, fresh_seconds) if local else None
        if value is not None:
            return value
        entry = cache.get(key)
    locked = False
    if entry is not None:
        rendered_at, value = entry
        age = now() - rendered_at
        if age < fresh_seconds:
            value = _resolved(key, rendered_at, value)
            if value is not None:
                return value
        elif age < fresh_seconds + STALE_SECONDS:
            locked = cache.add(f"{key}:lock", 1, LOCK_SECONDS)
            if not locked:
                value = _resolved(key, rendered_at, value)
                if value is not None:
                    return value  # another request is rendering the new copy
    try:
        value = render()
        if keep(value):
            _store(key, value, fresh_seconds + STALE_SECONDS, local=local)
    finally:
        if locked:
            cache.delete(f"{key}:lock")
    return value


def _store(key: str, value, timeout: float, *, local: bool) -> None:
    if not local:
        cache.set(key, (now(), value), timeout)
        return
    token, rendered_at = secrets.token_hex(8), now()
    # The copy first, then the entry naming it (one round trip; a reader that finds the entry before
    # its copy renders, as for a miss).
    cache.set_many({copy_key(key, token): value, key: (rendered_at, SharedCopy(token))}, timeout)
    local_copies.put(token, value)
    last_met.put(key, (rendered_at, token))
