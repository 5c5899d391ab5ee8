from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import mail
from .forms import EmailPreferencesForm
from .models import Cadence, Notification
from .services import email_cadences, email_preferences_save, email_unsubscribe, notifications_mark_read


@login_required
def inbox(request):
    notifications = Notification.objects.filter(recipient=request.user).select_related("actor", "idea")[:100]
    return render(request, "notifications/inbox.html", {"notifications": notifications})


@require_POST
@login_required
def mark_read(request):
    notifications_mark_read(member=request.user)
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    member = request.user
    form = EmailPreferencesForm(
        request.POST or None, initial={"consent": member.email_consent, **email_cadences(member)}
    )
    if request.method == "POST" and form.is_valid():
        email_preferences_save(member=member, consent=form.cleaned_data["consent"], cadences=form.cadences())
        messages.success(request, _("Your email preferences are saved."))
        return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"form": form, "email_verified": member.email_verified}
    )


def _what(kind: str) -> str:
    if kind == Cadence.DAILY:
        return _("your daily digest")
    if kind == Cadence.WEEKLY:
        return _("your weekly digest")
    return _("“%(kind)s” notifications") % {"kind": Notification.Kind(kind).label}


# Mail clients POST the one-click unsubscribe (RFC 8058) with no cookie, so no CSRF token: the signed,
# member- and kind-specific token in the URL is what authorises it, and all it can do is turn mail off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        member_id, kind = mail.read_unsubscribe_token(token)
        member = get_user_model().objects.get(pk=member_id)
    except signing.SignatureExpired:
        return _broken_link(request, _("This unsubscribe link has expired, so nothing was changed."))
    except (signing.BadSignature, get_user_model().DoesNotExist):
        return _broken_link(request, _("This unsubscribe link is not valid, so nothing was changed."))
    context = {"what": _what(kind)}
    if request.method == "GET":
        already = kind not in mail.DIGESTS and email_cadences(member)[kind] == Cadence.NEVER
        return render(
            request, "notifications/unsubscribe.html", {**context, "already": already, "confirm": True}
        )
    changed = email_unsubscribe(member=member, kind=kind)
    return render(
        request, "notifications/unsubscribe.html", {**context, "already": not changed, "done": True}
    )


def _broken_link(request, reason):
    return render(request, "notifications/unsubscribe_invalid.html", {"reason": reason}, status=400)
