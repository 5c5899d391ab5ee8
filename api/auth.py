"""Who is calling the API, with what scopes, and the per-caller request limits.

Every operation names the ways in it accepts (`MEMBERS`, `ANYONE`): a personal access token
(`Authorization: Bearer cc_…`), the browser session (the interactive docs; CSRF-checked for writes),
or, for reads of public data, nobody. The answer is a `Caller` on `request.auth`.

A token never grants more than its member's roles grant now: the token row and its member are read on
every request (from the shared cache while neither has changed since: api.tokens), so a revoke, a
revoked role, a suspension or a deactivated account counts at once. Without the staff scope a staff
member's token acts as a plain member: `Caller.member` is then a copy whose `is_staff` is false, so
every predicate of community.permissions refuses staff powers.
"""

import copy
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from community.limits import consume_window

from .models import Scope
from .tokens import token_for_secret, token_record_use


@dataclass
class Caller:
    member: object  # a Member, or AnonymousUser
    scopes: frozenset
    token: object = None  # the AccessToken, when the call came with one
    via_session: bool = False

    def __bool__(self):
        return True  # django-ninja takes a falsy answer for "not authenticated"

    @property
    def is_authenticated(self) -> bool:
        return self.member.is_authenticated


def _as_scoped(member, scopes):
    if member.is_staff and Scope.STAFF not in scopes:
        member = copy.copy(member)  # never saved: only asked by permission predicates and querysets
        member.is_staff = False
        member.is_superuser = False
    return member


def _limit_member(member):
    consume_window(f"api:member:{member.pk}", count=settings.API_MEMBER_REQUESTS_PER_MINUTE, seconds=60)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cc_…`: a wrong, expired or revoked token, or one whose member may no longer
    log in (deactivated, suspended, banned, deleted), is a 401, never an anonymous call."""

    def authenticate(self, request, token):
        found = token_for_secret(token)
        if found is None:
            raise AuthenticationError(401, _("The token is unknown, expired or revoked."))
        member = found.member
        if not member.is_active or member.deleted_at is not None or member.is_restricted:
            raise AuthenticationError(401, _("The token's account may not use the API now."))
        _limit_member(member)
        token_record_use(found)
        scopes = frozenset(found.scopes)
        return Caller(member=_as_scoped(member, scopes), scopes=scopes, token=found)

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if header and not header.lower().startswith("bearer "):
            raise AuthenticationError(401, _("Send the token as `Authorization: Bearer <token>`."))
        return super().__call__(request)


class SessionAuth(APIKeyCookie):
    """The logged-in browser session (the interactive docs): every scope its member's roles hold;
    writes need the CSRF token (X-CSRFToken), as forms do."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None  # not logged in: no CSRF question to ask, the next way in decides
        return super()._get_key(request)

    def authenticate(self, request, key):
        member = request.user
        if not member.is_authenticated:
            return None
        _limit_member(member)
        return Caller(member=member, scopes=frozenset(Scope.values), via_session=True)


def anonymous(request):
    """Reads of public data without credentials, limited per client address."""
    try:
        address = get_adapter().get_client_ip(request)  # honours ALLAUTH_TRUSTED_PROXY_COUNT
    except PermissionDenied:
        address = "unknown"  # a server that gives no address at all: one shared allowance
    consume_window(f"api:ip:{address}", count=settings.API_ANONYMOUS_REQUESTS_PER_MINUTE, seconds=60)
    return Caller(member=AnonymousUser(), scopes=frozenset({Scope.READ}))


MEMBERS = [TokenAuth(), SessionAuth()]
ANYONE = [*MEMBERS, anonymous]
