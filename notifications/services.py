"""Creating and reading in-app notifications, and members' choices of the email that follows them."""

import uuid

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from operations.retry import retry_transient

from . import mail, tasks
from .models import Cadence, EmailPreference, Notification


def unread_cache_key(member_id: int) -> str:
    """Where `unread_count` keeps a member's count (for callers reading it with other cache keys)."""
    return f"notifications:unread:{member_id}"


def unread_count(member, *, cached: int | None = None) -> int:
    """Unread notifications, cached so that showing the badge costs no query on most pages; `cached` is
    the value already read from `unread_cache_key`, if any."""
    if not member.is_authenticated:
        return 0
    key = unread_cache_key(member.pk)
    count = cached if cached is not None else cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=member, read_at=None).count()
        cache.set(key, count, 300)
    return count


@task()
@retry_transient()
def notify_members(
    *,
    member_ids: list[int],
    kind: str,
    idea_id: int | None,
    actor_id: int | None,
    message: str,
    url: str,
    event: str = "",
) -> int:
    """One notification per member (ids deduplicated), written in bulk, then their email queued
    (tasks.email_event, keyed by the event). With an `event` key (one per queued task: notify_on_commit)
    it is safe to run twice: a member already notified of the event is skipped (a unique constraint, ON
    CONFLICT DO NOTHING), and one already emailed is not emailed again."""
    unique = sorted(set(member_ids) - {actor_id})
    ignore_conflicts = bool(event)
    event = event or uuid.uuid4().hex  # called directly: its email still needs a key
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                idea_id=idea_id,
                actor_id=actor_id,
                message=message,
                url=url,
                event=event,
            )
            for pk in unique
        ],
        batch_size=1000,
        ignore_conflicts=ignore_conflicts,
    )
    cache.delete_many([unread_cache_key(pk) for pk in unique])
    if unique:
        tasks.email_event.enqueue(event=event)
    return len(unique)


def notify_on_commit(**kwargs) -> None:
    """Queue `notify_members` once the current transaction commits. Robust: a failure to queue (the task
    backend refusing, the database gone after the commit) is logged by Django and never turns the
    committed request into an error; the notifications are lost, the change is not. Nobody to tell (no
    member besides the actor) queues nothing."""
    if not set(kwargs["member_ids"]) - {kwargs.get("actor_id")}:
        return
    event = uuid.uuid4().hex  # the same key however often the queued task runs

    def enqueue_notifications():
        notify_members.enqueue(event=event, **kwargs)

    transaction.on_commit(enqueue_notifications, robust=True)


def notifications_mark_read(*, member) -> int:
    updated = Notification.objects.filter(recipient=member, read_at=None).update(read_at=timezone.now())
    cache.delete(unread_cache_key(member.pk))
    return updated


def email_cadences(member) -> dict[str, str]:
    """Each kind's cadence for this member: their own choice or the default (notifications.mail)."""
    chosen = mail.chosen_cadences([member.pk])
    return {kind: mail.cadence_for(member, kind, chosen) for kind in Notification.Kind.values}


@transaction.atomic
def email_preferences_save(*, member, consent: bool, cadences: dict[str, str]) -> None:
    """Save the preferences page: the master switch (Member.email_consent, dated as the profile does)
    and one cadence per kind. A kind left at its default keeps no row, so it keeps following the
    profile's coarse switches."""
    if consent != member.email_consent:
        member.email_consent = consent
        member.email_consent_at = timezone.now() if consent else None
        member.save(update_fields=["email_consent", "email_consent_at"])
    for kind, cadence in cadences.items():
        if cadence == mail.default_cadence(member, kind):
            EmailPreference.objects.filter(member=member, kind=kind).delete()
        else:
            EmailPreference.objects.update_or_create(member=member, kind=kind, defaults={"cadence": cadence})


@transaction.atomic
def email_unsubscribe(*, member, kind: str) -> bool:
    """One-click unsubscribe: `kind` (or, for a digest's link, every kind at that cadence) is never
    emailed again. Returns whether anything changed: a link used twice changes nothing the second time."""
    current = email_cadences(member)
    kinds = [each for each, cadence in current.items() if cadence == kind] if kind in mail.DIGESTS else [kind]
    changed = [each for each in kinds if current[each] != Cadence.NEVER]
    for each in changed:
        EmailPreference.objects.update_or_create(
            member=member, kind=each, defaults={"cadence": Cadence.NEVER}
        )
    return bool(changed)
