"""Creating and reading in-app notifications."""

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Notification


def _unread_key(member_id: int) -> str:
    return f"notifications:unread:{member_id}"


def unread_count(member) -> int:
    """Unread notifications, cached so that showing the badge costs no query on most pages."""
    if not member.is_authenticated:
        return 0
    key = _unread_key(member.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=member, read_at=None).count()
        cache.set(key, count, 300)
    return count


@task()
def notify_members(
    *, member_ids: list[int], kind: str, idea_id: int | None, actor_id: int | None, message: str, url: str
) -> int:
    """One notification per member (ids deduplicated), written in bulk."""
    unique = sorted(set(member_ids) - {actor_id})
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk, kind=kind, idea_id=idea_id, actor_id=actor_id, message=message, url=url
            )
            for pk in unique
        ],
        batch_size=1000,
    )
    cache.delete_many([_unread_key(pk) for pk in unique])
    return len(unique)


def notify_on_commit(**kwargs) -> None:
    transaction.on_commit(lambda: notify_members.enqueue(**kwargs))


def notifications_mark_read(*, member) -> int:
    updated = Notification.objects.filter(recipient=member, read_at=None).update(read_at=timezone.now())
    cache.delete(_unread_key(member.pk))
    return updated
