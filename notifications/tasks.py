"""Background email work (notifications.mail): queued by notify_members, and by run_scheduler for the
digests (NotificationsConfig.ready)."""

from django_tasks import task

from operations.retry import retry_transient

from . import mail
from .models import Cadence


@task()
@retry_transient()
def email_event(*, event: str) -> int:
    """Email one event's notifications to those who want them at once; returns how many went. Safe to
    run twice: only notifications not emailed yet are sent (the mail server's own refusals are retried
    inside, with back-off; this decorator retries a lost database)."""
    return mail.email_event(event=event).sent


@task()
@retry_transient()
def send_daily_digest() -> int:
    """Daily digests; returns how many went. Safe to run twice: what was sent is recorded."""
    return mail.send_digests(cadence=Cadence.DAILY).sent


@task()
@retry_transient()
def send_weekly_digest() -> int:
    """Weekly digests; returns how many went. Safe to run twice: what was sent is recorded."""
    return mail.send_digests(cadence=Cadence.WEEKLY).sent
