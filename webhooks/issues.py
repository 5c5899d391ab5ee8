"""The issue trackers' inbound webhooks (GitHub "issues", Jira "jira:issue_updated"): an issue linked to
a backlog item (BacklogItem.issue_url) closes ⇒ the item is shipped and its open ideas too, with a
public note linking the issue, and their supporters are told; it reopens ⇒ the item and those ideas go
back to the statuses recorded when it closed (IssueClosure). The member who linked the issue acts (their
permissions are checked again now). A delivery handled once (InboundDelivery) changes nothing again.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backlog.models import BacklogItem
from backlog.services import backlog_item_update
from community import permissions
from ideas.models import Idea
from ideas.services import ideas_restore_status, ideas_ship, supporter_ids
from notifications.models import Notification
from notifications.services import notify_on_commit

from .models import InboundDelivery, IssueClosure

CLOSED, REOPENED = "closed", "reopened"


@dataclass(frozen=True)
class IssueChange:
    action: str  # CLOSED or REOPENED
    issue_url: str  # the issue's page, for the public note
    items: list[BacklogItem]


def github_change(event: str, payload: dict) -> IssueChange | None:
    """An "issues" event closing (as completed) or reopening an issue; None for anything else (a close
    as not planned or duplicate ships nothing)."""
    issue = payload.get("issue")
    if event != "issues" or not isinstance(issue, dict) or payload.get("action") not in (CLOSED, REOPENED):
        return None
    url = issue.get("html_url")
    if not isinstance(url, str):
        return None
    if payload["action"] == CLOSED and issue.get("state_reason") not in (None, "completed"):
        return None
    return IssueChange(payload["action"], url, list(BacklogItem.objects.filter(issue_url=url)))


def jira_change(payload: dict) -> IssueChange | None:
    """A jira:issue_updated whose changelog moves the status: into the "done" category closes the
    issue, out of it reopens it. Items link the issue's browse page on the same site as issue.self."""
    issue = payload.get("issue")
    if payload.get("webhookEvent") != "jira:issue_updated" or not isinstance(issue, dict):
        return None
    changelog = payload.get("changelog") or {}
    if not any(isinstance(i, dict) and i.get("field") == "status" for i in changelog.get("items") or []):
        return None
    key, self_url = issue.get("key"), issue.get("self")
    if not isinstance(key, str) or not isinstance(self_url, str):
        return None
    status = (issue.get("fields") or {}).get("status") or {}
    done = (status.get("statusCategory") or {}).get("key") == "done"
    host = urlsplit(self_url).netloc
    items = [
        item
        for item in BacklogItem.objects.filter(issue_url__endswith=f"/browse/{key}")
        if urlsplit(item.issue_url).netloc == host
    ]
    url = f"{urlsplit(self_url).scheme}://{host}/browse/{key}"
    return IssueChange(CLOSED if done else REOPENED, url, items)


@transaction.atomic
def inbound_handle(*, source: str, delivery_id: str, event: str, change: IssueChange | None) -> str:
    """Record the delivery and act on it, once; returns what happened (for the tracker's delivery log)."""
    record, created = InboundDelivery.objects.get_or_create(
        source=source, delivery_id=delivery_id, defaults={"event": event[:60]}
    )
    if not created:
        return "duplicate"
    if change is None:
        outcome = "ignored"
    elif not change.items:
        outcome = "no backlog item links this issue"
    else:
        act = issue_closed if change.action == CLOSED else issue_reopened
        outcome = "; ".join(act(item=item, issue_url=change.issue_url) for item in change.items)
    record.outcome = outcome[:200]
    record.save(update_fields=["outcome"])
    return outcome


def _locked(item: BacklogItem) -> BacklogItem:
    rows = BacklogItem.objects.select_for_update(of=("self",)).select_related("issue_linked_by")
    return rows.get(pk=item.pk)


def _actor(item: BacklogItem):
    actor = item.issue_linked_by
    if actor is None or not (permissions.may_manage_backlog(actor) and permissions.may_change_status(actor)):
        return None
    return actor


def _tell_supporters(ideas, actor, note: str) -> None:
    for idea in ideas:
        notify_on_commit(
            member_ids=supporter_ids(idea),
            kind=Notification.Kind.STATUS_CHANGED,
            idea_id=idea.pk,
            actor_id=actor.pk,
            message=lambda idea=idea: (
                _("“%(title)s” is now %(status)s: %(note)s")
                % {"title": idea.title, "status": idea.status_name, "note": note}
            ),
            url=idea.get_absolute_url(),
        )


def issue_closed(*, item: BacklogItem, issue_url: str) -> str:
    """Ship the item and its open public ideas, recording their statuses before. Locking: the item's
    row, then the ideas' (lowest id first, in ideas_ship)."""
    item = _locked(item)
    actor = _actor(item)
    if actor is None:
        return f"item {item.pk}: nobody who linked it may ship it"
    if item.status in (BacklogItem.Status.SHIPPED, BacklogItem.Status.DROPPED):
        return f"item {item.pk}: already {item.status}"
    idea_ids = list(item.ideas.values_list("pk", flat=True))
    before = dict(Idea.objects.filter(pk__in=idea_ids).values_list("pk", "status"))
    closure = IssueClosure.objects.create(item=item, issue_url=issue_url, item_status_before=item.status)
    backlog_item_update(item=item, editor=actor, status=BacklogItem.Status.SHIPPED)
    note = _("Shipped: the issue %(url)s was closed.") % {"url": issue_url}
    shipped = ideas_ship(idea_ids=idea_ids, changed_by=actor, note=note)
    closure.idea_statuses_before = {str(idea.pk): before[idea.pk] for idea in shipped}
    closure.save(update_fields=["idea_statuses_before"])
    _tell_supporters(shipped, actor, note)
    return f"item {item.pk}: shipped with {len(shipped)} ideas"


def issue_reopened(*, item: BacklogItem, issue_url: str) -> str:
    """Put the item and the ideas its issue's closing shipped back as they were (ideas changed by hand
    since stay as they are)."""
    item = _locked(item)
    closure = IssueClosure.objects.select_for_update().filter(item=item, reopened_at=None).first()
    if closure is None:
        return f"item {item.pk}: nothing to reopen"
    actor = _actor(item)
    if actor is None:
        return f"item {item.pk}: nobody who linked it may reopen it"
    if item.status == BacklogItem.Status.SHIPPED:
        backlog_item_update(item=item, editor=actor, status=closure.item_status_before)
    note = _("Reopened: the issue %(url)s was reopened.") % {"url": issue_url}
    restored = ideas_restore_status(statuses=closure.idea_statuses_before, changed_by=actor, note=note)
    closure.reopened_at = timezone.now()
    closure.save(update_fields=["reopened_at"])
    _tell_supporters(restored, actor, note)
    return f"item {item.pk}: reopened with {len(restored)} ideas"
