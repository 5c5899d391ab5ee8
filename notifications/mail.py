"""Email that follows the in-app notifications: at once, in a daily or weekly digest, or never.

The unit is the Notification row (one per member per event). A member gets email only with consent
(`Member.email_consent`, the master switch) at a verified address (`Member.email_verified`, which
mirrors allauth's verified primary address: community.signals). Each kind then has a cadence: the
member's own EmailPreference row, or else a default read from the profile's coarse switches
(`default_cadence`).

Sending works in batches of EMAIL_BATCH_SIZE notifications (or digest recipients): a fixed number of
queries and one SMTP connection per batch. A server that refuses for now (4xx, a timeout, a dropped
connection) gets the batch's unsent rest again after a back-off, up to EMAIL_SEND_ATTEMPTS times; a
message refused for good (5xx, an invalid address) is not retried. What was sent is recorded on the
notifications (`email_state`), so a retried batch or task sends only what was not sent yet; what could
not be sent is recorded as FAILED with an EmailFailure row staff see in the admin.

A worker that dies between handing messages to the server and recording them would send those again
when its task is taken up: at least once, never lost.
"""

import logging
import smtplib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import formataddr, parseaddr
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from operations.retry import backoff_delays

from .models import Cadence, EmailFailure, EmailPreference, EmailState, Notification

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# The profile's coarse switches (community.Member) give each kind its default when the member has not
# chosen one on the preferences page: status changes of ideas they support or follow, and replies and
# mentions, at once (or never, switched off); what is new in what they follow at their digest cadence
# (weekly unless changed); moderation always at once.
STATUS_KINDS = (Kind.STATUS_CHANGED, Kind.MERGED, Kind.RELEASE, Kind.OFFICIAL_RESPONSE)
PERSONAL_KINDS = (Kind.REPLY, Kind.MENTION)
FOLLOWED_KINDS = (Kind.NEW_IDEA, Kind.NEW_PROTOTYPE)
DIGESTS = (Cadence.DAILY, Cadence.WEEKLY)
# A digest covers what was not emailed in twice its period, so a late or missed run loses nothing and
# a kind switched from "never" to a digest does not bring up months of history.
DIGEST_WINDOW = {Cadence.DAILY: timedelta(days=2), Cadence.WEEKLY: timedelta(days=14)}
DIGEST_ITEMS_SHOWN = 50

# The member fields the batches load (and nothing else: 10,000 members per event).
RECIPIENT_FIELDS = (
    "email",
    "username",
    "display_name",
    "deleted_at",
    "notify_status_changes",
    "notify_replies",
    "email_digest",
    "language",
)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def default_cadence(member, kind: str) -> str:
    if kind in STATUS_KINDS:
        return Cadence.INSTANT if member.notify_status_changes else Cadence.NEVER
    if kind in PERSONAL_KINDS:
        return Cadence.INSTANT if member.notify_replies else Cadence.NEVER
    if kind in FOLLOWED_KINDS:
        return member.email_digest  # Member.Digest: never, daily or weekly, as Cadence spells them
    return Cadence.INSTANT  # moderation


def chosen_cadences(member_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """The members' own choices, (member id, kind) → cadence: one query."""
    rows = EmailPreference.objects.filter(member_id__in=list(member_ids)).values_list(
        "member_id", "kind", "cadence"
    )
    return {(member_id, kind): cadence for member_id, kind, cadence in rows}


def cadence_for(member, kind: str, chosen: dict) -> str:
    return chosen.get((member.pk, kind)) or default_cadence(member, kind)


def may_get_email(prefix: str = "") -> Q:
    """Members who may get email at all: active, consenting, at a verified address (`prefix`: the path
    from the queried model to the member, such as "recipient__")."""
    return Q(
        **{
            f"{prefix}is_active": True,
            f"{prefix}email_consent": True,
            f"{prefix}email_verified": True,
            f"{prefix}deleted_at": None,
        }
    ) & ~Q(**{f"{prefix}email": ""})


# --- Unsubscribe links (RFC 8058) ------------------------------------------------------------------


def unsubscribe_token(member_id: int, kind: str) -> str:
    """Signed, salted and dated: one member and one kind (or "daily"/"weekly" for a digest)."""
    return signing.dumps({"m": member_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """(member id, kind); raises signing.BadSignature (SignatureExpired when too old)."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS))
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("m"), int)
        or data.get("k") not in unsubscribable()
    ):
        raise signing.BadSignature("Unknown unsubscribe token content")
    return data["m"], data["k"]


def unsubscribable() -> set[str]:
    return set(Kind.values) | set(DIGESTS)


def absolute(url: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", url)


def unsubscribe_url(member_id: int, kind: str) -> str:
    return absolute(reverse("notifications:unsubscribe", args=[unsubscribe_token(member_id, kind)]))


# --- Messages ------------------------------------------------------------------------------------


def from_address() -> str:
    """The site's name with DEFAULT_FROM_EMAIL's address."""
    return formataddr((settings.SITE_NAME, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def build_message(*, member, kind: str, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    """A multipart message (plain text and HTML from templates) with one-click unsubscribe headers."""
    unsubscribe = unsubscribe_url(member.pk, kind)
    context = {
        **context,
        "member": member,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute(reverse("notifications:preferences")),
    }
    message = EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=render_to_string(f"notifications/email/{template}.txt", context),
        from_email=from_address(),
        to=[member.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"notifications/email/{template}.html", context), "text/html")
    return message


def member_language(member) -> str:
    """The language of a member's email: the one they chose, else the site's."""
    return member.language if member.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    with translation.override(member_language(notification.recipient)):
        return _notification_message(notification)


def _notification_message(notification: Notification) -> EmailMultiAlternatives:
    return build_message(
        member=notification.recipient,
        kind=notification.kind,
        subject=Truncator(notification.message).chars(90),
        template="notification",
        context={
            "notification": notification,
            "kind_label": Kind(notification.kind).label,
            "link": absolute(notification.url) if notification.url else settings.SITE_URL,
        },
    )


def digest_message(member, cadence: str, notifications: list[Notification]) -> EmailMultiAlternatives:
    with translation.override(member_language(member)):
        return _digest_message(member, cadence, notifications)


def _digest_message(member, cadence: str, notifications: list[Notification]) -> EmailMultiAlternatives:
    items = [
        {
            "message": each.message,
            "link": absolute(each.url) if each.url else "",
            "kind": Kind(each.kind).label,
        }
        for each in notifications[:DIGEST_ITEMS_SHOWN]
    ]
    subject = (
        ngettext(
            "Your daily digest: %(count)d update", "Your daily digest: %(count)d updates", len(notifications)
        )
        if cadence == Cadence.DAILY
        else ngettext(
            "Your weekly digest: %(count)d update",
            "Your weekly digest: %(count)d updates",
            len(notifications),
        )
    ) % {"count": len(notifications)}
    return build_message(
        member=member,
        kind=cadence,
        subject=subject,
        template="digest",
        context={
            "items": items,
            "more": len(notifications) - len(items),
            "cadence_label": Cadence(cadence).label,
            "inbox_url": absolute(reverse("notifications:inbox")),
        },
    )


# --- Delivery --------------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One message to one member, carrying one or more notifications."""

    member: object
    kind: str
    message: EmailMultiAlternatives | None  # None: it could not even be built (recorded as failed)
    notification_ids: list[int]
    error: str = ""


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


def _is_temporary(error: Exception) -> bool:
    """A refusal for now (retry later) rather than for good (this message will never go)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return True  # lost connection, timeout, refused connection


def _describe(error: Exception) -> str:
    # smtplib reports a read that timed out as SMTPServerDisconnected, raised from the TimeoutError.
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return _("The mail server did not answer within %(seconds)s s (EMAIL_TIMEOUT).") % {
            "seconds": settings.EMAIL_TIMEOUT
        }
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for address, (code, text) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else error.smtp_error
        )
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


def _record_sent(items: list[Outgoing]) -> None:
    ids = [pk for item in items for pk in item.notification_ids]
    if ids:
        Notification.objects.filter(pk__in=ids).update(email_state=EmailState.SENT, emailed_at=timezone.now())


def _record_failed(failures: list[tuple[Outgoing, str, int]]) -> None:
    if not failures:
        return
    ids = [pk for item, _error, _attempts in failures for pk in item.notification_ids]
    Notification.objects.filter(pk__in=ids).update(email_state=EmailState.FAILED)
    EmailFailure.objects.bulk_create(
        [
            EmailFailure(
                member_id=item.member.pk,
                notification_id=item.notification_ids[0] if len(item.notification_ids) == 1 else None,
                kind=item.kind,
                address=item.member.email[:254],
                error=error,
                attempts=attempts,
            )
            for item, error, attempts in failures
        ]
    )
    for item, error, _attempts in failures:
        logger.warning("Email %s to member %s failed: %s", item.kind, item.member.pk, error)


def deliver(outgoing: list[Outgoing], *, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Hand the messages to the mail server over one connection, retrying what the server refused for
    now with back-off; then record on the notifications what was sent and what failed for good. One
    query when all goes well (none when nothing was sent)."""
    result = Delivery()
    failures = [(item, item.error, 0) for item in outgoing if item.message is None]
    pending = [item for item in outgoing if item.message is not None]
    sent: list[Outgoing] = []
    delays = backoff_delays(first=settings.EMAIL_RETRY_FIRST_SECONDS)
    last_error = ""
    attempts = settings.EMAIL_SEND_ATTEMPTS
    for attempt in range(1, attempts + 1):
        if not pending:
            break
        result.attempts = attempt
        try:
            with get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT) as connection:
                while pending:
                    item = pending[0]
                    try:
                        connection.send_messages([item.message])
                    except (smtplib.SMTPException, OSError) as error:
                        if _is_temporary(error):
                            raise
                        failures.append((item, _describe(error), attempt))
                    except ValueError as error:  # an address Django cannot write into a header
                        failures.append((item, str(error), attempt))
                    else:
                        sent.append(item)
                        result.sent += 1
                    pending.pop(0)
        except (smtplib.SMTPException, OSError) as error:
            last_error = _describe(error)
            result.errors.append(last_error)
            if pending and attempt < attempts:
                _record_sent(sent)  # a task run again after this must not send these twice
                sent = []
                delay = next(delays)
                logger.warning(
                    "Mail server: %s (attempt %d of %d, %d messages left); retrying in %.0f s",
                    last_error,
                    attempt,
                    attempts,
                    len(pending),
                    delay,
                )
                sleep(delay)
    failures += [(item, last_error, attempts) for item in pending]
    _record_sent(sent)
    _record_failed(failures)
    result.failed = len(failures)
    return result


def _message_or_error(
    build: Callable[[], EmailMultiAlternatives],
) -> tuple[EmailMultiAlternatives | None, str]:
    try:
        message = build()
        message.message()  # writes the headers now: an address Django refuses fails here, one member
    except ValueError as error:
        return None, str(error)
    return message, ""


# --- Instant mail of one event ----------------------------------------------------------------------


def email_event(
    *, event: str, batch_size: int | None = None, progress: Callable[[int], None] | None = None
) -> Delivery:
    """Email the notifications of one event (notify_members' key) to those who want this kind at once.
    Per batch: the notifications with their recipients (one query), their preferences (one), and the
    record of what was sent (one). Safe to run twice: only PENDING notifications are sent."""
    batch_size = batch_size or settings.EMAIL_BATCH_SIZE
    total = Delivery()
    after = 0
    while True:
        batch = list(
            Notification.objects.filter(
                may_get_email("recipient__"), event=event, email_state=EmailState.PENDING, pk__gt=after
            )
            .select_related("recipient")
            .only(
                "kind",
                "message",
                "url",
                "recipient__id",
                *(f"recipient__{name}" for name in RECIPIENT_FIELDS),
            )
            .order_by("pk")[:batch_size]
        )
        if not batch:
            return total
        after = batch[-1].pk
        chosen = chosen_cadences({each.recipient_id for each in batch})
        outgoing = []
        for notification in batch:
            if cadence_for(notification.recipient, notification.kind, chosen) != Cadence.INSTANT:
                continue  # a digest's, or nobody's
            message, error = _message_or_error(lambda n=notification: notification_message(n))
            outgoing.append(
                Outgoing(notification.recipient, notification.kind, message, [notification.pk], error)
            )
        delivery = deliver(outgoing)
        total.sent += delivery.sent
        total.failed += delivery.failed
        total.errors += delivery.errors
        if progress is not None:
            progress(len(batch))


# --- Digests --------------------------------------------------------------------------------------


def send_digests(
    *, cadence: str, now=None, batch_size: int | None = None, progress: Callable[[int], None] | None = None
) -> Delivery:
    """One digest per member with something new of the kinds they get `cadence`ly, not emailed yet (so
    nothing instant mail already said); nobody with nothing new gets one. Per batch of members: the
    members (one query), their preferences (one), their notifications not emailed (one), and the record
    of what was sent (one). Safe to run twice: what was sent is SENT."""
    batch_size = batch_size or settings.EMAIL_BATCH_SIZE
    since = (now or timezone.now()) - DIGEST_WINDOW[cadence]
    unsent = Notification.objects.filter(email_state=EmailState.PENDING, created_at__gte=since)
    total = Delivery()
    after = 0
    while True:
        members = list(
            get_user_model()
            .objects.filter(may_get_email(), pk__gt=after)
            .filter(Exists(unsent.filter(recipient=OuterRef("pk"))))
            .only(*RECIPIENT_FIELDS)
            .order_by("pk")[:batch_size]
        )
        if not members:
            return total
        after = members[-1].pk
        chosen = chosen_cadences(member.pk for member in members)
        by_member: dict[int, list[Notification]] = {member.pk: [] for member in members}
        for notification in (
            unsent.filter(recipient_id__in=list(by_member))
            .only("recipient_id", "kind", "message", "url", "created_at")
            .order_by("recipient_id", "created_at", "pk")
        ):
            by_member[notification.recipient_id].append(notification)
        outgoing = []
        for member in members:
            due = [each for each in by_member[member.pk] if cadence_for(member, each.kind, chosen) == cadence]
            if not due:
                continue
            message, error = _message_or_error(lambda m=member, d=due: digest_message(m, cadence, d))
            outgoing.append(Outgoing(member, cadence, message, [each.pk for each in due], error))
        delivery = deliver(outgoing)
        total.sent += delivery.sent
        total.failed += delivery.failed
        total.errors += delivery.errors
        if progress is not None:
            progress(len(members))
