"""The webhooks page (R&D and administrators) and the issue trackers' inbound endpoints."""

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse, RawPostDataException
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cocreate.http import body_limit
from community import permissions
from community.access import staff_required

from . import issues, services, signing
from .forms import EndpointForm
from .models import Delivery, Endpoint, InboundDelivery

LOG_LENGTH = 50


@staff_required(permissions.may_manage_webhooks)
def endpoints(request):
    rows = Endpoint.objects.select_related("owner", "product").order_by("-created_at")
    return render(request, "webhooks/endpoints.html", {"endpoints": rows})


@staff_required(permissions.may_manage_webhooks)
def endpoint_edit(request, pk=None):
    endpoint = get_object_or_404(Endpoint, pk=pk) if pk else None
    form = EndpointForm(request.POST if request.method == "POST" else None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.endpoint_save(
                editor=request.user,
                endpoint=Endpoint.objects.get(pk=endpoint.pk) if endpoint else None,
                **fields,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect(saved)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {"form": form, "endpoint": endpoint},
        status=400 if form.errors else 200,
    )


@staff_required(permissions.may_manage_webhooks)
def endpoint_detail(request, pk):
    endpoint = get_object_or_404(Endpoint.objects.select_related("owner", "product", "segment"), pk=pk)
    deliveries = list(
        Delivery.objects.filter(endpoint=endpoint)
        .prefetch_related("attempt_log")
        .order_by("-created_at")[:LOG_LENGTH]
    )
    rows = [(d, d.attempt_log.all()[0] if d.attempt_log.all() else None) for d in deliveries]
    return render(request, "webhooks/endpoint_detail.html", {"endpoint": endpoint, "rows": rows})


@require_POST
@staff_required(permissions.may_manage_webhooks)
def endpoint_rotate(request, pk):
    endpoint = services.endpoint_rotate_secret(
        endpoint=get_object_or_404(Endpoint, pk=pk), editor=request.user
    )
    messages.success(
        request,
        ngettext(
            "New secret made. The previous one also signs for %(hours)d hour.",
            "New secret made. The previous one also signs for %(hours)d hours.",
            settings.WEBHOOKS_ROTATION_GRACE_HOURS,
        )
        % {"hours": settings.WEBHOOKS_ROTATION_GRACE_HOURS},
    )
    return redirect(endpoint)


@require_POST
@staff_required(permissions.may_manage_webhooks)
def endpoint_active(request, pk):
    active = request.POST.get("active") == "1"
    endpoint = services.endpoint_set_active(
        endpoint=get_object_or_404(Endpoint, pk=pk), editor=request.user, active=active
    )
    messages.success(request, _("Webhook turned on.") if active else _("Webhook turned off."))
    return redirect(endpoint)


@require_POST
@staff_required(permissions.may_manage_webhooks)
def delivery_replay(request, pk, delivery_pk):
    delivery = get_object_or_404(Delivery, pk=delivery_pk, endpoint_id=pk)
    services.delivery_replay(delivery=delivery, editor=request.user)
    messages.success(request, _("Delivery sent again."))
    return redirect("webhooks:endpoint", pk=pk)


# --- Inbound: the issue trackers ---------------------------------------------------------------------


def problem(status: int, title: str, detail: str) -> JsonResponse:
    """An RFC 9457 problem body."""
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


def _raw_body(request) -> bytes:
    """The bytes the tracker signed. A form upload (never what the trackers send: they are set up for
    JSON) was already parsed by the middleware, so it has no raw body and cannot be verified."""
    try:
        return request.body
    except RawPostDataException:
        return b""


def _payload(request):
    try:
        payload = json.loads(_raw_body(request))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _bad_signature():
    return problem(401, _("Bad signature"), _("The request's signature does not match the shared secret."))


def _malformed():
    return problem(400, _("Malformed JSON"), _("The body is not a JSON object."))


@csrf_exempt
@require_POST
@body_limit(settings.WEBHOOKS_INBOUND_MAX_BYTES)
def github(request):
    secret = settings.WEBHOOKS_GITHUB_SECRET
    if not secret:
        raise Http404
    header = request.headers.get("X-Hub-Signature-256", "")
    if not signing.hub_signature_valid(secret=secret, body=_raw_body(request), header=header):
        return _bad_signature()
    payload = _payload(request)
    if payload is None:
        return _malformed()
    delivery_id = request.headers.get("X-GitHub-Delivery", "")[:100]
    if not delivery_id:
        return problem(400, _("No delivery id"), _("X-GitHub-Delivery is missing."))
    event = request.headers.get("X-GitHub-Event", "")
    outcome = issues.inbound_handle(
        source=InboundDelivery.Source.GITHUB,
        delivery_id=delivery_id,
        event=event,
        change=issues.github_change(event, payload),
    )
    return JsonResponse({"outcome": outcome})


@csrf_exempt
@require_POST
@body_limit(settings.WEBHOOKS_INBOUND_MAX_BYTES)
def jira(request):
    secret = settings.WEBHOOKS_JIRA_SECRET
    if not secret:
        raise Http404
    signed = signing.hub_signature_valid(
        secret=secret, body=_raw_body(request), header=request.headers.get("X-Hub-Signature", "")
    )
    token = request.GET.get("token", "")
    if not (signed or (token and hmac.compare_digest(token.encode(), secret.encode()))):
        return _bad_signature()
    payload = _payload(request)
    if payload is None:
        return _malformed()
    delivery_id = request.headers.get("X-Atlassian-Webhook-Identifier", "")[:100]
    if not delivery_id:
        # Jira Server/Data Center may not send the header: the event's timestamp and issue stand in.
        issue = payload.get("issue") if isinstance(payload.get("issue"), dict) else {}
        delivery_id = (
            f"{payload.get('timestamp', '')}:{issue.get('id', '')}:{payload.get('webhookEvent', '')}"
        )
    outcome = issues.inbound_handle(
        source=InboundDelivery.Source.JIRA,
        delivery_id=delivery_id[:100],
        event=str(payload.get("webhookEvent", "")),
        change=issues.jira_change(payload),
    )
    return JsonResponse({"outcome": outcome})
