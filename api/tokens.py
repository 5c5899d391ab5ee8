"""Personal access tokens: made, checked on every API request, and revoked (services and the one lookup).

A token is `cc_` + 43 URL-safe characters (256 random bits). Only its SHA-256 is stored: a leaked
database does not leak usable tokens, and the lookup is one indexed query. What a token may do is its
scopes *and* its member's roles as they are now: api.auth reads the member on every request, as the
pages' session log-in does (community.auth.cached_member: a cached copy only while no change of the
member has happened since; role and permission checks read the groups afresh).
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
    """Revoke a token at once (its row stays, for the member's list); only its member may."""
    if token.member_id != revoked_by.pk:
        raise PermissionDenied(_("Only the token's owner can revoke it."))
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def token_for_secret(raw: str) -> AccessToken | None:
    """The live token with this secret, with its member, or None: unknown, revoked or expired. One query
    for the token; the member as the pages load a logged-in member (from the cache while current)."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    tokens = AccessToken.objects.filter(token_hash=token_hash(raw))
    if settings.MEMBER_CACHE_SECONDS <= 0:  # no shared cache: the member comes with the token
        token = tokens.select_related("member").first()
        return token if token is not None and token.is_active else None
    token = tokens.first()
    if token is None or not token.is_active:
        return None
    member = cached_member(token.member_id)
    if member is None:
        return None
    token.member = member
    return token


def token_record_use(token: AccessToken) -> None:
    """Record that the token was used now, at most once per API_TOKEN_USE_RECORD_SECONDS (no query in
    between; the conditional UPDATE keeps concurrent requests from writing the row twice)."""
    now = timezone.now()
    since = now - timedelta(seconds=settings.API_TOKEN_USE_RECORD_SECONDS)
    if token.last_used_at is not None and token.last_used_at > since:
        return
    AccessToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=since), pk=token.pk).update(
        last_used_at=now
    )
    token.last_used_at = now
