"""Loading the logged-in member from the cache, and from the database only after the member changed.

Every request with a session loads its member. Django's ModelBackend runs an ORM query for that on
each request: about 1 ms of CPU, the largest single cost of a member's cached idea list and of a vote
(bench/RESULTS.md). Here the member comes from the shared cache (one Redis MGET) while it is current:
a copy stored under a version token that every save or delete of the member replaces, now and again
when its transaction commits (cocreate.copies explains why no copy outlives a change).

Writes that bypass `Model.save()` (`QuerySet.update()`, raw SQL) must call `member_changed` themselves.

Other apps' cache keys that nearly every page of a member reads (the unread notifications' count) can
be read in that same round trip: an app names them once (`read_with_member`, from its AppConfig.ready)
and asks for their values with `values_read_with(member)`. A page then costs one Redis round trip for
the member and their keys instead of two.

Only with a cache every process shares (Redis): `MEMBER_CACHE_SECONDS` is 0 (off) without Redis.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from cocreate.copies import cached_copy_with, copy_changed

# Functions member id -> a cache key read with the member (`read_with_member`).
_KEYS_READ_WITH_MEMBER = []


def read_with_member(key_for) -> None:
    """Read the cache key `key_for(member_id)` whenever a member is loaded from the cache, in the same
    round trip (registered once per process, from an AppConfig.ready)."""
    _KEYS_READ_WITH_MEMBER.append(key_for)


def values_read_with(member) -> dict | None:
    """What the cache held under the keys read with this member ({key: value}, keys holding nothing left
    out); None when the member was not loaded by `cached_member` (then nothing was read with it)."""
    return getattr(member, "cache_values_read_with", None)


def _copy_key(member_id) -> str:
    return f"member:{member_id}"


def cached_member(member_id):
    """The member with this id (None when there is none), from the cache while it is current; the keys
    registered with `read_with_member` are read in the same round trip."""
    member_model = get_user_model()

    def load():
        try:
            return member_model._default_manager.get(pk=member_id)
        except member_model.DoesNotExist:
            return None

    also = [key_for(member_id) for key_for in _KEYS_READ_WITH_MEMBER]
    member, values = cached_copy_with(_copy_key(member_id), load, settings.MEMBER_CACHE_SECONDS, also=also)
    if member is not None:
        # Set after the member was stored: this request's own object, never part of a cached copy.
        member.cache_values_read_with = values
    return member


def member_changed(member_id) -> None:
    """Retire cached copies of the member now, and again once the current transaction commits."""
    copy_changed(_copy_key(member_id))


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
