"""Sending webhooks in the background: each delivery is queued after the commit that made it
(webhooks.events.queue); failed attempts wait in the database until the scheduler's sweep (deliver_due,
WebhooksConfig) finds them due, so no task sleeps through a back-off."""

from django_tasks import task

from operations.retry import retry_transient

from . import sending


@task()
@retry_transient()
def deliver(*, delivery_id: int, replay: bool = False) -> str:
    """One attempt of a delivery; returns what the target answered. Safe to run twice: a scheduled
    attempt is claimed first (sending.delivery_attempt), so a second run finds it not due."""
    attempt = sending.delivery_attempt(delivery_id=delivery_id, replay=replay)
    if attempt is None:
        return "not due"
    return str(attempt.status_code or attempt.error)


@task()
@retry_transient()
def deliver_due() -> int:
    """Queue the attempts that are due (retries after their back-off); returns how many."""
    ids = sending.due_delivery_ids()
    for pk in ids:
        deliver.enqueue(delivery_id=pk)
    return len(ids)
