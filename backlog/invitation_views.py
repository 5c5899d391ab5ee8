"""Invitation links that link a CRM customer without an account to the member who signs up with it
(docs/clv.md "Linking customers to members"): a customer manager makes the link, the customer opens it."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from community import permissions
from community.access import staff_required

from .transactions import (
    INVITATION_SESSION_KEY,
    customer_invitation_check,
    customer_invitation_record,
    customer_invitation_token,
    customer_record_link_invited,
)


@staff_required(permissions.may_import_customers)
def customer_invitation(request):
    """The invitation link for an unlinked customer of the staff member's segments, by external id."""
    external_id = request.GET.get("external_id", "").strip()[:100]
    record = link = None
    if external_id:
        record = customer_invitation_record(external_id=external_id, invited_by=request.user)
        if record is not None:
            token = customer_invitation_token(record)
            link = request.build_absolute_uri(reverse("backlog:customer_join", args=[token]))
    context = {
        "external_id": external_id,
        "record": record,
        "link": link,
        "days": settings.CLV_INVITATION_DAYS,
    }
    status = 404 if external_id and record is None else 200
    return render(request, "customers/invitation.html", context, status=status)


def customer_join(request, invitation: str):
    """Open an invitation link: signed in, the record is linked now; else after signing up."""
    if customer_invitation_check(invitation) is None:
        return render(request, "customers/join_invalid.html", status=400)
    if request.user.is_authenticated:
        if customer_record_link_invited(member=request.user, token=invitation):
            messages.success(request, _("Your customer record is now linked to your account."))
        else:
            messages.error(
                request,
                _("This invitation was not used: your account already has a customer record."),
            )
        return redirect(settings.LOGIN_REDIRECT_URL)
    request.session[INVITATION_SESSION_KEY] = invitation
    return redirect("account_signup")
