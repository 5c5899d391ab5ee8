"""Server-side gates shared by views: verified email to contribute, two-factor auth for staff pages."""

from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cocreate.http import json_error, wants_json

# Lazy: a module-level string is built once at import, in whatever language was active then.
UNVERIFIED_MESSAGE = gettext_lazy(
    "Please confirm your email address before posting, commenting or voting. "
    "We sent you a link; you can send it again from your email settings."
)


def restriction_message(member) -> str:
    """Why a suspended or banned member may not post (moderation sets the standing; the gate is here)."""
    if member.banned_at is not None:
        return _("Your account is banned from posting and voting. You can still read and appeal.")
    until = date_format(timezone.localtime(member.suspended_until), "DATETIME_FORMAT")
    return _("Your account is suspended until %(until)s: you cannot post, comment or vote until then.") % {
        "until": until
    }


def needs_mfa(user) -> bool:
    """Staff without an activated TOTP authenticator must set one up before staff pages."""
    if not (user.is_authenticated and user.is_staff):  # only staff pay for the lookup
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request) -> bool:
    """The member set up TOTP and this session's log-in passed the second factor (allauth's record of
    the session's authentication steps)."""
    user = request.user
    if not user.is_authenticated or needs_mfa(user) or not user.is_staff:
        return False
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def mfa_setup_redirect(request):
    messages.warning(request, _("Staff pages need two-factor authentication. Set it up to continue."))
    return redirect(f"{reverse('mfa_activate_totp')}?next={request.get_full_path()}")


def contributor_required(view):
    """Logged in, active, not suspended or banned, with a verified address; otherwise a clear refusal."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            if wants_json(request):
                return json_error(_("Log in first."), status=401)
            return redirect_to_login(request.get_full_path())
        if user.is_restricted:
            message = restriction_message(user)
            if wants_json(request):
                return json_error(message, status=403, suspended_until=_iso(user.suspended_until))
            return render(request, "moderation/restricted.html", {"message": message}, status=403)
        if not user.may_contribute:
            if wants_json(request):
                return json_error(str(UNVERIFIED_MESSAGE), status=403, verify_url=reverse("account_email"))
            messages.error(request, UNVERIFIED_MESSAGE)
            return redirect("account_email")
        return view(request, *args, **kwargs)

    return wrapper


def _iso(moment):
    return moment.isoformat() if moment else None


def staff_required(predicate):
    """A staff page: `predicate(user)` (one of community.permissions) must hold (else 403), and the
    member must have set up two-factor authentication (else they are sent to set it up)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request.user):
                raise PermissionDenied(_("You do not have access to this page."))
            if needs_mfa(request.user):
                return mfa_setup_redirect(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class StaffMFAMiddleware:
    """Sends staff without two-factor auth to set it up before the Django and Wagtail admin screens."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.STAFF_PATH_PREFIXES)

    def __call__(self, request):
        if request.path.startswith(self.prefixes) and needs_mfa(request.user):
            return mfa_setup_redirect(request)
        return self.get_response(request)


class MemberLanguageMiddleware:
    """A member's saved language (community.Member.language) when the browser has no language cookie
    yet (a new device, a cleared browser): after LocaleMiddleware, which chose from the cookie or the
    Accept-Language header, and after AuthenticationMiddleware. With the cookie set (the switcher sets
    both) the member is not even loaded here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.user.is_authenticated
            and request.user.language in dict(settings.LANGUAGES)
        ):
            translation.activate(request.user.language)
            request.LANGUAGE_CODE = request.user.language
        return self.get_response(request)
