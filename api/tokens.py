"""Personal access tokens: made, checked on every API request, and revoked (services and the one lookup).

A token is `cc_` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored: a leaked
database does not leak usable tokens, and the lookup is by that hash. What a token may do is its
scopes *and* its member's roles as they are now.

With a shared cache (`MEMBER_CACHE_SECONDS` > 0, Redis) a request reads its token row and its member
from the cache while both are current, as the pages' session log-in reads the member
(community.auth.cached_member): each is a copy under a version token (cocreate.copies) that every
change replaces at once and again at commit: a revoke (`token_revoke`), any save or delete of the row
(api.signals), a recorded use, and every change of the member. Expiry is checked on each request
against the copy's `expires_at`. Role and permission checks read the groups afresh. Without a shared
cache the token and its member are one query per request.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cocreate.copies import cached_copy, copy_changed
from community.auth import cached_member

from .models import AccessToken, Scope

PREFIX = "cc_"
SHOWN_PREFIX_LENGTH = 8  # "cc_" and the first characters of the secret, shown in the list


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, member, name: str, scopes, expires_at: datetime, mfa_verified: bool
) -> tuple[AccessToken, str]:
    """Make a token for `member`; returns the row and the secret, which is never stored or shown again.

    The staff scope needs a staff member whose session passed two-factor authentication
    (`mfa_verified`, community.access.session_passed_mfa). The expiry lies in the future, at most
    API_TOKEN_MAX_DAYS away.
    """
    scopes = sorted(set(scopes))
    if not scopes or any(scope not in Scope.values for scope in scopes):
        raise ValidationError({"scopes": _("Choose at least one of the listed scopes.")})
    if Scope.STAFF in scopes:
        if not member.is_staff:
            raise PermissionDenied(_("Only staff members can make staff tokens."))
        if not mfa_verified:
            raise PermissionDenied(
                _("Staff tokens need two-factor authentication: log in with your second factor first.")
            )
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_on": _("Choose a date in the future.")})
    if expires_at > now + timedelta(days=settings.API_TOKEN_MAX_DAYS):
        raise ValidationError(
            {
                "expires_on": ngettext(
                    "A token lives at most %(days)d day.",
                    "A token lives at most %(days)d days.",
                    settings.API_TOKEN_MAX_DAYS,
                )
                % {"days": settings.API_TOKEN_MAX_DAYS}
            }
        )
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the token after what uses it.")})
    raw = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        member=member,
        name=name[:100],
        prefix=raw[: len(PREFIX) + SHOWN_PREFIX_LENGTH],
        token_hash=token_hash(raw),
        scopes=scopes,
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: AccessToken, revoked_by) -> AccessToken:
    """Revoke a token at once (its row stays, for the member's list); only its member may. The next
    request with it is refused in every process (its cached copy is retired now and at commit)."""
    if token.member_id != revoked_by.pk:
        raise PermissionDenied(_("Only the token's owner can revoke it."))
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token_changed(token)  # update() sends no post_save
    token.refresh_from_db(fields=["revoked_at"])
    return token


def _copy_key(hashed: str) -> str:
    return f"api-token:{hashed}"


def token_changed(token: AccessToken) -> None:
    """Retire cached copies of the token row (api.signals calls this on every save and delete; writes
    with QuerySet.update() must call it themselves)."""
    copy_changed(_copy_key(token.token_hash))


def token_for_secret(raw: str) -> AccessToken | None:
    """The live token with this secret, with its member, or None: unknown, revoked or expired (or its
    member deleted). From the cache while current (one round trip for the token, one for the member);
    else one query for the token and the member as the pages load a logged-in member."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    hashed = token_hash(raw)
    if settings.MEMBER_CACHE_SECONDS <= 0:  # no shared cache: the member comes with the token
        token = AccessToken.objects.filter(token_hash=hashed).select_related("member").first()
        return token if token is not None and token.is_active else None

    def load():  # a queryset only on a miss: building one costs about as much as the cache read
        return AccessToken.objects.filter(token_hash=hashed).first()

    token = cached_copy(_copy_key(hashed), load, settings.MEMBER_CACHE_SECONDS)
    if token is None or not token.is_active:
        return None
    member = cached_member(token.member_id)
    if member is None:
        return None
    token.member = member
    return token


def token_record_use(token: AccessToken) -> None:
    """Record that the token was used now, at most once per API_TOKEN_USE_RECORD_SECONDS (no query in
    between; the conditional UPDATE keeps concurrent requests from writing the row twice). A write
    retires the cached copies, so the next request reads the new `last_used_at` (one query a minute)."""
    now = timezone.now()
    since = now - timedelta(seconds=settings.API_TOKEN_USE_RECORD_SECONDS)
    if token.last_used_at is not None and token.last_used_at > since:
        return
    updated = AccessToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=since), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now
    if updated:
        token_changed(token)
