"""Cached copies of rows that are never served after the row changed: a logged-in member
(community.auth) and an API token (api.tokens) are read on every request, from the shared cache while
they are current and from the database only after a change.

Why a copy can never be served after its row changed: each row has a version token in the cache,
replaced by a new random token on every change and again when the changing transaction commits
(`copy_changed`). A copy is stored together with the token it was read under and is used only while
that token is still the current one. A copy read from the database just before a change committed
therefore fails the check at once, even if it was stored after the token was replaced (the race that
plain "delete the key on save" loses). A missing token (expired or evicted) is replaced by a fresh one,
which no stored copy carries.

Only with a cache every process shares (Redis): a process-local cache would never hear of changes made
by another process (a worker, another web process), so callers turn copies off without Redis
(`MEMBER_CACHE_SECONDS` is 0 then).

One cache round trip per read (`get_many` of the copy and its token) while the copy is current; other
keys the caller reads on the same occasion can ride along (`cached_copy_with`).
"""

import secrets

from django.core.cache import cache
from django.db import transaction

# Longer than any copy lives, so that a token normally outlives the copies stored under it.
TOKEN_SECONDS = 24 * 3600


def _token_key(key: str) -> str:
    return f"{key}:token"


def cached_copy(key: str, load, seconds: int):
    """The value cached under `key` while its version token is current; else `load()` (stored unless
    it is None, which is returned as it is)."""
    return cached_copy_with(key, load, seconds, also=())[0]


def cached_copy_with(key: str, load, seconds: int, *, also) -> tuple:
    """`cached_copy`, with the keys `also` read in the same round trip: (the value, {key in `also`: what
    the cache holds there}, keys holding nothing left out)."""
    token_key = _token_key(key)
    found = cache.get_many([key, token_key, *also])
    others = {name: found[name] for name in also if name in found}
    token = found.get(token_key)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(token_key, token, TOKEN_SECONDS):
            token = None  # another request set one meanwhile: read this once, store nothing
    else:
        copy = found.get(key)
        if copy is not None and copy[0] == token:
            return copy[1], others
    value = load()
    if value is not None and token is not None:
        cache.set(key, (token, value), seconds)
    return value, others


def copy_changed(key: str) -> None:
    """Retire the copies under `key` now, and again once the current transaction commits.

    Now: this transaction's own later reads (and a test's, which never commits) must see the change.
    At commit: a copy that another request read meanwhile, before the change was visible to it, must
    not outlive the commit.
    """
    _replace_token(key)

    # A named function, not functools.partial: with robust=True Django logs a failing callback by its
    # __qualname__, which a partial lacks.
    def retire_copies_at_commit():
        _replace_token(key)

    transaction.on_commit(retire_copies_at_commit, robust=True)


def _replace_token(key: str) -> None:
    cache.set(_token_key(key), secrets.token_hex(8), TOKEN_SECONDS)
