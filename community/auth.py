"""Loading the logged-in member from the cache, and from the database only after the member changed.

Every request with a session loads its member. Django's ModelBackend runs an ORM query for that on
each request: about 1 ms of CPU, the largest single cost of a member's cached idea list and of a vote
(bench/RESULTS.md). Here the member comes from the shared cache (one Redis MGET) while it is current:
a copy stored under a version token that every save or delete of the member replaces, now and again
when its transaction commits (cocreate.copies explains why no copy outlives a change).

Writes that bypass `Model.save()` (`QuerySet.update()`, raw SQL) must call `member_changed` themselves.

Only with a cache every process shares (Redis): `MEMBER_CACHE_SECONDS` is 0 (off) without Redis.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from cocreate.copies import cached_copy, copy_changed


def _copy_key(member_id) -> str:
    return f"member:{member_id}"


def cached_member(member_id):
    """The member with this id (None when there is none), from the cache while it is current."""
    member_model = get_user_model()

    def load():
        try:
            return member_model._default_manager.get(pk=member_id)
        except member_model.DoesNotExist:
            return None

    return cached_copy(_copy_key(member_id), load, settings.MEMBER_CACHE_SECONDS)


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
