"""The API's gates, asked at the top of each operation: the token's scopes, then the member's own
standing and roles (community.permissions, the same predicates the pages ask)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from community.access import UNVERIFIED_MESSAGE, needs_mfa, restriction_message

from .auth import Caller
from .models import Scope


def caller(request, *scopes: str) -> Caller:
    """The caller, if their token holds every one of `scopes` (sessions hold them all); else 403."""
    found: Caller = request.auth
    missing = [scope for scope in scopes if scope not in found.scopes]
    if missing:
        raise PermissionDenied(
            _("This token lacks the %(scopes)s scope.") % {"scopes": ", ".join(sorted(missing))}
        )
    return found


def contributor(request):
    """A member who may post, comment and vote now (active, verified, not suspended), with `write`."""
    member = caller(request, Scope.WRITE).member
    if member.is_restricted:
        raise PermissionDenied(restriction_message(member))
    if not member.may_contribute:
        raise PermissionDenied(str(UNVERIFIED_MESSAGE))
    return member


def member(request, scope: str = Scope.READ):
    return caller(request, scope).member


def staff(request, predicate, *, write: bool):
    """A staff member for whom `predicate` (community.permissions) holds now, with the staff scope;
    over a browser session the member must have set up two-factor authentication, as for staff pages."""
    found = caller(request, Scope.STAFF, Scope.WRITE if write else Scope.READ)
    if not predicate(found.member):
        raise PermissionDenied(_("Your role does not allow this."))
    if found.via_session and needs_mfa(found.member):
        raise PermissionDenied(_("Staff actions need two-factor authentication: set it up first."))
    return found.member
