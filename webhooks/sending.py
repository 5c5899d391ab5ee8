"""Sending one attempt of a delivery and recording what came back (called by webhooks.tasks)."""

import http.client
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from notifications.models import Notification
from notifications.services import notify_on_commit

from . import signing, targets, thresholds
from .models import Attempt, Delivery, Endpoint


def due_delivery_ids(limit: int = 200) -> list[int]:
    return list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now(), endpoint__is_active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def retry_delays() -> list[int]:
    """Seconds to wait after each failed attempt; one more attempt than there are delays."""
    return list(settings.WEBHOOKS_RETRY_DELAYS)


def delivery_attempt(*, delivery_id: int, replay: bool = False) -> Attempt | None:
    """Send one attempt of a delivery and record it; returns the attempt, or None when it was not due
    (another worker has it, it is done, or its endpoint is off).

    Safe to run twice: a scheduled attempt first claims the delivery with a conditional UPDATE (still
    pending and due), which also leases it for a few timeouts, so two workers never send the same
    attempt. The HTTP request runs outside any transaction; its outcome is recorded under the rows'
    locks. A failed attempt schedules the next one after WEBHOOKS_RETRY_DELAYS (exponential, about a
    day in all: the scheduler's sweep sends it, nothing sleeps); after the last, the delivery failed, and
    WEBHOOKS_DISABLE_AFTER failed deliveries in a row disable the endpoint and tell its owner. A replay
    is one extra attempt outside that schedule.
    """
    now = timezone.now()
    if not replay:
        lease = now + timedelta(seconds=settings.WEBHOOKS_TIMEOUT_SECONDS * 3 + 30)
        claimed = Delivery.objects.filter(
            pk=delivery_id,
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__is_active=True,
        ).update(next_attempt_at=lease)
        if not claimed:
            return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    headers = signing.headers(
        secrets=endpoint.signing_secrets(),
        webhook_id=delivery.webhook_id,
        timestamp=int(time.time()),
        body=body,
    )
    status_code, excerpt, error = None, "", ""
    started = time.monotonic()
    try:
        response = targets.post(
            endpoint.url, body=body, headers=headers, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS
        )
        status_code, excerpt, latency_ms = response.status_code, response.excerpt, response.latency_ms
    except targets.TargetRefused as refused:
        error, latency_ms = str(refused), None
    except (OSError, http.client.HTTPException) as failure:  # timeouts, refusals, TLS, broken answers
        error = f"{type(failure).__name__}: {failure}"
        latency_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery_id, replay, status_code, excerpt, error[:300], latency_ms)


@transaction.atomic
def _record(delivery_id, replay, status_code, excerpt, error, latency_ms) -> Attempt:
    now = timezone.now()
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    attempt = Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempt_log.count() + 1,
        replay=replay,
        status_code=status_code,
        latency_ms=latency_ms,
        response_excerpt=excerpt,
        error=error,
        requested_at=now,
    )
    if not replay:
        delivery.attempts += 1  # read under the row lock above
    if attempt.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            Delivery.Status.SUCCEEDED,
            now,
            None,
        )
        if endpoint.failed_deliveries_in_a_row:
            endpoint.failed_deliveries_in_a_row = 0
            endpoint.save(update_fields=["failed_deliveries_in_a_row"])
    elif not replay:
        delays = retry_delays()
        if delivery.attempts <= len(delays):
            delivery.next_attempt_at = now + timedelta(seconds=delays[delivery.attempts - 1])
        else:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
            _count_failed_delivery(endpoint)
    delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])
    return attempt


def _count_failed_delivery(endpoint: Endpoint) -> None:
    endpoint.failed_deliveries_in_a_row += 1
    fields = ["failed_deliveries_in_a_row"]
    if endpoint.is_active and endpoint.failed_deliveries_in_a_row >= settings.WEBHOOKS_DISABLE_AFTER:
        endpoint.is_active = False
        endpoint.disabled_reason = ngettext(
            "Disabled after %(n)d delivery in a row failed.",
            "Disabled after %(n)d deliveries in a row failed.",
            endpoint.failed_deliveries_in_a_row,
        ) % {"n": endpoint.failed_deliveries_in_a_row}
        fields += ["is_active", "disabled_reason"]
        thresholds.forget_vote_thresholds()
        notify_on_commit(
            member_ids=[endpoint.owner_id],
            kind=Notification.Kind.WEBHOOK,
            idea_id=None,
            actor_id=None,
            message=lambda: (
                ngettext(
                    "Your webhook to %(url)s was disabled: %(n)d delivery in a row failed.",
                    "Your webhook to %(url)s was disabled: %(n)d deliveries in a row failed.",
                    endpoint.failed_deliveries_in_a_row,
                )
                % {"url": endpoint.url, "n": endpoint.failed_deliveries_in_a_row}
            ),
            url=endpoint.get_absolute_url(),
        )
    endpoint.save(update_fields=fields)
