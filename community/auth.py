"""Loading the logged-in member from the cache, and from the database only after the member changed.

Every request with a session loads its member. Django's ModelBackend runs an ORM query for that on
each request: about 1 ms of CPU, the largest single cost of a member's cached idea list and of a vote
(bench/RESULTS.md). Here the member comes from the shared cache (one Redis MGET) while it is current.

Why a copy can never be served after the member changed: each member has a version token in the
cache, replaced by a new random token on every save or delete of the member and again when its
transaction commits (`member_changed`, called from community.signals). A copy is stored together
with the token it was read under and is used only while that token is still the current one. A copy
read from the database just before a change committed therefore fails the check at once, even if it
was stored after the token was replaced (the race that plain "delete the key on save" loses). A
missing token (expired or evicted) is replaced by a fresh one, which no stored copy carries.

Writes that bypass `Model.save()` (`QuerySet.update()`, raw SQL) must call `member_changed` themselves.

Only with a cache every process shares (Redis): a process-local cache would never hear of changes made
by another process (a worker, another web process), so `MEMBER_CACHE_SECONDS` is 0 (off) without Redis.
"""

import secrets

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

# Longer than any copy lives, so that a token normally outlives the copies stored under it.
TOKEN_SECONDS = 24 * 3600


def _copy_key(member_id) -> str:
    return f"member:{member_id}"


def _token_key(member_id) -> str:
    return f"member:{member_id}:token"


def cached_member(member_id):
    """The member with this id (None when there is none), from the cache while it is current."""
    member_model = get_user_model()
    copy_key, token_key = _copy_key(member_id), _token_key(member_id)
    found = cache.get_many([copy_key, token_key])
    token = found.get(token_key)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(token_key, token, TOKEN_SECONDS):
            token = None  # another request set one meanwhile: read this once, store nothing
    else:
        copy = found.get(copy_key)
        if copy is not None and copy[0] == token:
            return copy[1]
    try:
        member = member_model._default_manager.get(pk=member_id)
    except member_model.DoesNotExist:
        return None
    if token is not None:
        cache.set(copy_key, (token, member), settings.MEMBER_CACHE_SECONDS)
    return member


def member_changed(member_id) -> None:
    """Retire cached copies of the member now, and again once the current transaction commits.

    Now: this transaction's own later reads (and a test's, which never commits) must see the change.
    At commit: a copy that another request read meanwhile, before the change was visible to it, must
    not outlive the commit.
    """
    _replace_token(member_id)

    # A named function, not functools.partial: with robust=True Django logs a failing callback by its
    # __qualname__, which a partial lacks.
    def retire_copies_at_commit():
        _replace_token(member_id)

    transaction.on_commit(retire_copies_at_commit, robust=True)


def _replace_token(member_id) -> None:
    cache.set(_token_key(member_id), secrets.token_hex(8), TOKEN_SECONDS)


class _CachedMember:
    def get_user(self, user_id):
        if settings.MEMBER_CACHE_SECONDS <= 0:
            return super().get_user(user_id)
        member = cached_member(user_id)
        return member if member is not None and self.user_can_authenticate(member) else None


class MemberBackend(_CachedMember, ModelBackend):
    """Django's username/password backend (the Django admin's log-in), loading members from the cache."""


class AllauthMemberBackend(_CachedMember, AuthenticationBackend):
    """allauth's backend (log-in by email), loading members from the cache."""
