"""/members/me/tokens/: a member's personal access tokens for the API (made, listed, revoked)."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.access import session_passed_mfa

from . import tokens
from .forms import TokenForm
from .models import AccessToken


@login_required
def token_list(request):
    member = request.user
    form = TokenForm(request.POST or None, member=member)
    secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The token lives to the end of the chosen day, in the site's time zone.
        expires_at = timezone.make_aware(datetime.combine(data["expires_on"], time.max))
        try:
            token, secret = tokens.token_create(
                member=member,
                name=data["name"],
                scopes=data["scopes"],
                expires_at=expires_at,
                mfa_verified=session_passed_mfa(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error("scopes", str(error))
        else:
            form = TokenForm(member=member)  # the secret is shown once, on this answer only
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": AccessToken.objects.filter(member=member),
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"  # a page with a secret on it
    return response


@require_POST
@login_required
def token_revoke(request, pk):
    token = get_object_or_404(AccessToken, pk=pk, member=request.user)
    tokens.token_revoke(token=token, revoked_by=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_tokens:list")
