"""Every way webhook endpoints and deliveries change: saving, rotating secrets, enabling, sending an
attempt, replaying (the inbound issue trackers' effects are in webhooks.issues)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions

from . import targets, tasks, thresholds
from .models import Delivery, Endpoint, Event, new_secret

ENDPOINT_FIELDS = {
    "url",
    "description",
    "events",
    "format",
    "product",
    "votes_threshold",
    "segment",
    "segment_threshold",
}


def _require(user) -> None:
    if not permissions.may_manage_webhooks(user):
        raise PermissionDenied(_("Only R&D and administrators manage webhooks."))


def _check(endpoint: Endpoint) -> None:
    try:
        targets.resolve(endpoint.url)
    except targets.TargetRefused as error:
        raise ValidationError({"url": str(error)}) from error
    unknown = set(endpoint.events) - set(Event.values)
    if not endpoint.events or unknown:
        raise ValidationError({"events": _("Choose at least one event.")})
    if Event.IDEA_VOTES_CROSSED in endpoint.events and not endpoint.votes_threshold:
        raise ValidationError({"votes_threshold": _("Say how many supporters the event waits for.")})
    if Event.IDEA_SEGMENT_SUPPORTERS_CROSSED in endpoint.events and not (
        endpoint.segment_id and endpoint.segment_threshold
    ):
        raise ValidationError(
            {"segment_threshold": _("Choose a segment and how many of its members must support the idea.")}
        )


@transaction.atomic
def endpoint_save(*, editor, endpoint: Endpoint | None = None, **fields) -> Endpoint:
    """Create an endpoint owned by `editor`, or change one. The URL is checked now (a public address,
    unless WEBHOOKS_ALLOW_PRIVATE) and again at every send (webhooks.targets)."""
    _require(editor)
    unknown = set(fields) - ENDPOINT_FIELDS
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)}")
    if endpoint is None:
        endpoint = Endpoint(owner=editor)
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.full_clean()
    _check(endpoint)
    endpoint.save()
    thresholds.forget_vote_thresholds()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: Endpoint, editor) -> Endpoint:
    """A new signing secret; the old one keeps signing too for WEBHOOKS_ROTATION_GRACE_HOURS."""
    _require(editor)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + timedelta(hours=settings.WEBHOOKS_ROTATION_GRACE_HOURS)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    return endpoint


@transaction.atomic
def endpoint_set_active(*, endpoint: Endpoint, editor, active: bool) -> Endpoint:
    """Turn an endpoint off, or on again (its count of failed deliveries starts over)."""
    _require(editor)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_active = active
    endpoint.failed_deliveries_in_a_row = 0
    endpoint.disabled_reason = "" if active else _("Turned off by %(name)s.") % {"name": editor.public_name}
    endpoint.save(update_fields=["is_active", "failed_deliveries_in_a_row", "disabled_reason", "updated_at"])
    thresholds.forget_vote_thresholds()
    return endpoint


def delivery_replay(*, delivery: Delivery, editor) -> None:
    """Send a delivery again, once, after the commit: a new attempt with the same webhook-id (a receiver
    that already handled it can tell), signed with today's secrets and timestamp."""
    _require(editor)
    transaction.on_commit(lambda: tasks.deliver.enqueue(delivery_id=delivery.pk, replay=True), robust=True)
