"""Publishing a release note ships what it lists and tells the people who asked for it, once.

Wagtail sends `page_published` (wagtail.signals) from PublishPageRevisionAction for every way a page
revision goes live: the admin's Publish button, scheduled publishing (`manage.py publish_scheduled`),
`revision.publish()` in code, and reverting to an old revision. The admin's `after_publish_page` hook
runs only for the admin's create and edit views, so a scheduled release would be missed: we listen to the
signal (cms.apps), as an extension point of Wagtail's, not for our own domain logic.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from backlog.selectors import backlog_item_idea_ids
from backlog.services import backlog_items_ship
from community import permissions
from ideas import signals as idea_signals
from ideas.services import ideas_ship, supporter_ids_of
from notifications.models import Notification
from notifications.services import notify_on_commit

from .models import ReleaseAnnouncement, ReleaseNoteBacklogItem, ReleaseNoteIdea, ReleaseNotePage

logger = logging.getLogger(__name__)


def release_actor(release: ReleaseNotePage, publisher):
    """Who ships the ideas: the member whose revision went live (for scheduled publishing, the editor
    who scheduled it), else the page's owner; whichever may change ideas' statuses (R&D, administrators).
    None when neither may: the release is then published but not announced, until someone who may
    publishes it again."""
    for candidate in (publisher, release.owner):
        if candidate is not None and permissions.may_change_status(candidate):
            return candidate
    return None


def release_announce(*, release: ReleaseNotePage, publisher) -> ReleaseAnnouncement | None:
    """The first publication of a release: its ideas and those of its backlog items become *shipped*
    (ideas already shipped, declined, merged or not public are left alone) with a public note that
    links the release; its backlog items become shipped; every supporter and follower of the shipped
    ideas gets one notification (kind RELEASE), after commit. Later publications do nothing.

    Locking: the ReleaseAnnouncement row is created first; its one-to-one key makes a concurrent
    second publication wait, then find it and stop. Ideas and items are locked lowest id first.
    """
    actor = release_actor(release, publisher)
    if actor is None:
        logger.warning("Release %s published by someone who may not ship ideas: not announced", release.pk)
        return None
    with transaction.atomic():
        announcement, created = ReleaseAnnouncement.objects.get_or_create(
            release_id=release.pk, defaults={"announced_by": actor}
        )
        if not created:
            return None
        item_ids = set(
            ReleaseNoteBacklogItem.objects.filter(page_id=release.pk).values_list("item_id", flat=True)
        )
        if release.planned_release_id:  # the items of the release planned within capacity
            item_ids.update(release.planned_release.items.values_list("pk", flat=True))
        item_ids = sorted(item_ids)
        idea_ids = set(ReleaseNoteIdea.objects.filter(page_id=release.pk).values_list("idea_id", flat=True))
        idea_ids.update(backlog_item_idea_ids(item_ids))
        url = release.get_full_url()
        name = f"{release.title} ({release.version})"
        shipped = ideas_ship(
            idea_ids=sorted(idea_ids),
            changed_by=actor,
            note=_("Shipped in %(release)s: %(url)s") % {"release": name, "url": url},
        )
        if item_ids and permissions.may_manage_backlog(actor):
            backlog_items_ship(item_ids=item_ids, editor=actor)
        members = supporter_ids_of(shipped)
        announcement.shipped_idea_ids = [idea.pk for idea in shipped]
        announcement.notified = len(members)
        announcement.save(update_fields=["shipped_idea_ids", "notified"])
        idea_signals.release_published.send(
            sender=ReleaseNotePage,
            release_id=release.pk,
            title=release.title,
            version=release.version,
            url=url,
            idea_ids=announcement.shipped_idea_ids,
        )
        if members:
            notify_on_commit(
                member_ids=members,
                kind=Notification.Kind.RELEASE,
                idea_id=None,
                actor_id=None,  # everyone hears it, the editor too if they asked for one of the ideas
                message=lambda: (
                    _("%(release)s is out: it ships ideas you support or follow.") % {"release": name}
                ),
                url=url,
            )
    return announcement


def on_page_published(sender, instance, revision=None, **kwargs):
    """wagtail.signals.page_published receiver for ReleaseNotePage (connected in cms.apps)."""
    # Sent for aliases too, and when a first publication is only scheduled (the page not live yet).
    if kwargs.get("alias") or not instance.live:
        return
    release_announce(release=instance, publisher=revision.user if revision is not None else None)
