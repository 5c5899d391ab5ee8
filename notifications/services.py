"""Creating and reading in-app notifications, and members' choices of the email that follows them."""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from community.auth import values_read_with
from operations.retry import retry_transient

from . import mail, tasks
from .models import Cadence, EmailPreference, Notification


def unread_cache_key(member_id: int) -> str:
    """Where `unread_count` keeps a member's count (for callers reading it with other cache keys)."""
    return f"notifications:unread:{member_id}"


def unread_count(member) -> int:
    """Unread notifications, cached so that showing the badge costs no query on most pages, and no
    round trip of its own: the count is read with the member (community.auth.read_with_member,
    registered in NotificationsConfig.ready)."""
    if not member.is_authenticated:
        return 0
    key = unread_cache_key(member.pk)
    read = values_read_with(member)
    count = read.get(key) if read is not None else cache.get(key)
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
    url: str,
    message: str = "",
    messages: dict[str, str] | None = None,
    event: str = "",
) -> int:
    """One notification per member (ids deduplicated), each in its recipient's language (`messages`, one
    text per language, from notify_on_commit; a plain `message` is the same text for everyone), written
    in bulk, then their email queued
    (tasks.email_event, keyed by the event). With an `event` key (one per queued task: notify_on_commit)
    it is safe to run twice: a member already notified of the event is skipped (a unique constraint, ON
    CONFLICT DO NOTHING), and one already emailed is not emailed again."""
    unique = sorted(set(member_ids) - {actor_id})
    ignore_conflicts = bool(event)
    event = event or uuid.uuid4().hex  # called directly: its email still needs a key
    texts = _texts_by_recipient(unique, messages) if messages else {}
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                idea_id=idea_id,
                actor_id=actor_id,
                message=texts.get(pk, message),
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


def _texts_by_recipient(member_ids: list[int], messages: dict[str, str]) -> dict[int, str]:
    """Each member's text in their own language (the one they chose, else the site's, as their email)."""
    fallback = messages.get(settings.LANGUAGE_CODE) or next(iter(messages.values()))
    languages = get_user_model().objects.filter(pk__in=member_ids).values_list("pk", "language")
    return {pk: messages.get(language) or fallback for pk, language in languages}


def in_each_language(message: Callable[[], str] | str) -> dict[str, str]:
    """The text `message()` builds, once per language the site offers. The sender's request has its own
    language active; the recipients read theirs, so the text is built for every language now (a few
    catalogue look-ups) and each recipient's is chosen when the notifications are written. A plain
    string (nothing to translate) is the same for everyone."""
    if isinstance(message, str):
        return {code: message for code, _name in settings.LANGUAGES}
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(message())
    return texts


def notify_on_commit(*, message: Callable[[], str] | str, **kwargs) -> None:
    """Queue `notify_members` once the current transaction commits. `message` builds the text in the
    active language (`lambda: _("…") % {…}`): it is called once per language, so every member reads the
    notification, and its email, in their own language, not the sender's. Robust: a failure to queue
    (the task backend refusing, the database gone after the commit) is logged by Django and never turns
    the committed request into an error; the notifications are lost, the change is not. Nobody to tell
    (no member besides the actor) queues nothing."""
    if not set(kwargs["member_ids"]) - {kwargs.get("actor_id")}:
        return
    kwargs["messages"] = in_each_language(message)
    event = uuid.uuid4().hex  # the same key however often the queued task runs

    def enqueue_notifications():
        notify_members.enqueue(event=event, **kwargs)

    transaction.on_commit(enqueue_notifications, robust=True)


def notifications_mark_read(*, member) -> int:
    updated = Notification.objects.filter(recipient=member, read_at=None).update(read_at=timezone.now())
    key = unread_cache_key(member.pk)
    cache.delete(key)
    read = values_read_with(member)
    if read is not None:
        read.pop(key, None)  # the count read with the member is no longer this request's either
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
