"""What happened, as webhook events: the receivers of the lower apps' signals (connected in
WebhooksConfig.ready()), the events' payloads, and queueing one delivery per interested endpoint.

Receivers run inside the service's transaction: they write the Delivery rows there (rolled back with
it) and queue the sending with transaction.on_commit(robust=True), so nothing leaves before the commit
and a broken queue never fails the change. Payloads are built at once, from the committed-to-be state.

Thresholds: `idea.votes_crossed` is detected at vote time from the counters the vote itself returned
(voting.signals.votes_changed: the PostgreSQL function's RETURNING, no extra query) against the set of
thresholds in use (cached; refreshed when an endpoint changes); an up-vote moves the counter by one, so
the idea crosses N exactly when the vote makes it N. `idea.segment_supporters_crossed` needs to know
the voters' segments, so a periodic scan (scan_segment_thresholds, every few minutes) finds ideas at or
above the count. A ThresholdCrossing row makes each fire once per idea per endpoint.
"""

import json
from urllib.parse import urljoin

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from backlog import signals as backlog_signals
from backlog.models import BacklogItem
from ideas import signals as idea_signals
from ideas.models import Comment, Idea, Visibility
from operations.retry import retry_transient
from voting import signals as voting_signals
from voting.models import Vote

from . import signing, tasks, thresholds
from .models import Delivery, Endpoint, Event, ThresholdCrossing


def absolute(url: str) -> str:
    return urljoin(settings.SITE_URL.rstrip("/") + "/", url)


# --- Payloads ----------------------------------------------------------------------------------------


def idea_data(idea: Idea) -> dict:
    return {
        "id": idea.pk,
        "title": idea.title,
        "status": idea.status,
        "url": absolute(idea.get_absolute_url()),
        "upvotes": idea.upvote_count,
        "downvotes": idea.downvote_count,
        "product": idea.product.slug if idea.product_id else None,
    }


def item_data(item: BacklogItem) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "status": item.status,
        "product": item.product.slug,
        "url": absolute(item.get_absolute_url()),
        "issue_url": item.issue_url or None,
        "target_release": item.target_release,
        "is_public": item.is_public,
    }


def summary(event: str, data: dict) -> tuple[str, str, str]:
    """(what happened, title, link) for a Slack message."""
    if event == Event.IDEA_MERGED:
        return (
            _("Idea merged into “%(target)s”") % {"target": data["target"]["title"]},
            data["source"]["title"],
            data["target"]["url"],
        )
    if event == Event.COMMENT_CREATED:
        return _("New comment by %(name)s") % {"name": data["author"]}, data["idea"]["title"], data["url"]
    if event in (Event.IDEA_VOTES_CROSSED, Event.IDEA_SEGMENT_SUPPORTERS_CROSSED):
        what = ngettext("%(n)d supporter", "%(n)d supporters", data["threshold"]) % {"n": data["threshold"]}
        if data.get("segment"):
            what = ngettext(
                "%(n)d supporter from %(segment)s", "%(n)d supporters from %(segment)s", data["threshold"]
            ) % {
                "n": data["threshold"],
                "segment": data["segment"],
            }
        return what, data["idea"]["title"], data["idea"]["url"]
    if event == Event.IDEA_STATUS_CHANGED:
        return (
            _("Status: %(status)s")
            % {"status": data.get("status_name") or Idea.Status(data["status"]).label},
            data["title"],
            data["url"],
        )
    if event == Event.RELEASE_PUBLISHED:
        return _("Release %(version)s published") % {"version": data["version"]}, data["title"], data["url"]
    return str(Event(event).label), data["title"], data["url"]


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_body(endpoint: Endpoint, event: str, data: dict, *, timestamp: str) -> str:
    """The JSON event ({"type", "timestamp", "data"}) or, for a Slack endpoint, an incoming-webhook
    message ({"text", "blocks"})."""
    if endpoint.format == Endpoint.Format.SLACK:
        what, title, url = summary(event, data)
        text = f"{what}: {title} {url}"
        line = f"*{_slack_escape(what)}*: <{url}|{_slack_escape(title)}>"
        body = {
            "text": text,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": line}},
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": f"`{event}` · {settings.SITE_NAME}"}],
                },
            ],
        }
    else:
        body = {"type": event, "timestamp": timestamp, "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# --- Queueing ----------------------------------------------------------------------------------------


def _subscribed(event: str, *, product_id=None, endpoints=None) -> list[Endpoint]:
    # In Python, not with a JSON `contains` lookup (SQLite has none): endpoints are few.
    candidates = endpoints if endpoints is not None else Endpoint.objects.filter(is_active=True)
    return [
        e
        for e in candidates
        if event in e.events and (e.product_id is None or product_id is None or e.product_id == product_id)
    ]


def queue(event: str, data: dict, endpoints: list[Endpoint]) -> list[Delivery]:
    """One delivery per endpoint, written now and sent after the commit."""
    if not endpoints:
        return []
    now = timezone.now()
    timestamp = now.isoformat().replace("+00:00", "Z")
    deliveries = [
        Delivery.objects.create(
            endpoint=endpoint,
            webhook_id=signing.new_webhook_id(),
            event=event,
            body=render_body(endpoint, event, data, timestamp=timestamp),
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    ]
    ids = [d.pk for d in deliveries]

    def send():
        for pk in ids:
            tasks.deliver.enqueue(delivery_id=pk)

    transaction.on_commit(send, robust=True)
    return deliveries


def any_due() -> bool:
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).exists()


def any_segment_thresholds() -> bool:
    return Endpoint.objects.filter(
        is_active=True, segment__isnull=False, segment_threshold__isnull=False
    ).exists()


# --- Receivers ---------------------------------------------------------------------------------------


def _public_idea(idea_id: int) -> Idea | None:
    idea = Idea.objects.select_related("product").filter(pk=idea_id).first()
    return idea if idea is not None and idea.visibility == Visibility.PUBLIC else None


def on_idea_created(sender, idea_id, **kwargs):
    idea = _public_idea(idea_id)
    if idea is not None:
        queue(
            Event.IDEA_CREATED, idea_data(idea), _subscribed(Event.IDEA_CREATED, product_id=idea.product_id)
        )


def on_idea_status_changed(sender, changes, **kwargs):
    endpoints = list(Endpoint.objects.filter(is_active=True))
    if not _subscribed(Event.IDEA_STATUS_CHANGED, endpoints=endpoints):
        return
    for idea_id, from_status, to_status, note in changes:
        idea = _public_idea(idea_id)
        if idea is None:
            continue
        data = {
            **idea_data(idea),
            "previous_status": from_status,
            "status": to_status,
            "status_name": idea.status_name,  # its public name in the product's workflow
            "note": note,
        }
        queue(
            Event.IDEA_STATUS_CHANGED,
            data,
            _subscribed(Event.IDEA_STATUS_CHANGED, product_id=idea.product_id, endpoints=endpoints),
        )


def on_idea_merged(sender, source_id, target_id, note, **kwargs):
    ideas = {i.pk: i for i in Idea.objects.select_related("product").filter(pk__in=[source_id, target_id])}
    source, target = ideas[source_id], ideas[target_id]
    data = {"source": idea_data(source), "target": idea_data(target), "note": note}
    queue(Event.IDEA_MERGED, data, _subscribed(Event.IDEA_MERGED, product_id=target.product_id))


def on_comment_created(sender, comment_id, **kwargs):
    endpoints = _subscribed(Event.COMMENT_CREATED)
    if not endpoints:
        return
    comment = Comment.objects.select_related("idea__product", "author").get(pk=comment_id)
    data = {
        "id": comment.pk,
        "url": absolute(comment.get_absolute_url()),
        "author": comment.author.public_name,
        "official": comment.is_official,
        "body": comment.body[:2000],
        "idea": idea_data(comment.idea),
    }
    product_id = comment.idea.product_id
    queue(Event.COMMENT_CREATED, data, [e for e in endpoints if e.product_id in (None, product_id)])


def _on_item(event, item_id, **extra):
    endpoints = _subscribed(event)
    if not endpoints:
        return
    item = BacklogItem.objects.select_related("product").get(pk=item_id)
    data = {**item_data(item), **extra}
    queue(event, data, [e for e in endpoints if e.product_id in (None, item.product_id)])


def on_backlog_item_created(sender, item_id, **kwargs):
    _on_item(Event.BACKLOG_ITEM_CREATED, item_id)


def on_backlog_item_updated(sender, item_id, changed, **kwargs):
    _on_item(Event.BACKLOG_ITEM_UPDATED, item_id, changed=list(changed))


def on_release_published(sender, release_id, title, version, url, idea_ids, **kwargs):
    data = {"id": release_id, "title": title, "version": version, "url": url, "idea_ids": list(idea_ids)}
    queue(Event.RELEASE_PUBLISHED, data, _subscribed(Event.RELEASE_PUBLISHED))


def on_votes_changed(sender, idea_id, upvotes, downvotes, value, **kwargs):
    # Only an up-vote raises the supporters' count, by exactly one: it crossed N when it made it N.
    if value != Vote.Value.UP or upvotes not in thresholds.vote_thresholds():
        return
    idea = _public_idea(idea_id)
    if idea is None:
        return
    endpoints = [
        e
        for e in _subscribed(Event.IDEA_VOTES_CROSSED, product_id=idea.product_id)
        if e.votes_threshold == upvotes
    ]
    _fire_crossings(Event.IDEA_VOTES_CROSSED, idea, endpoints, supporters=upvotes)


def _fire_crossings(event, idea: Idea, endpoints, *, supporters: int, segment=None) -> int:
    fired = 0
    with transaction.atomic():
        for endpoint in endpoints:
            try:
                with transaction.atomic():  # a savepoint: a crossing already recorded is not an error
                    ThresholdCrossing.objects.create(endpoint=endpoint, idea=idea, event=event)
            except IntegrityError:
                continue
            threshold = endpoint.segment_threshold if segment else endpoint.votes_threshold
            data = {
                "idea": idea_data(idea),
                "threshold": threshold,
                "supporters": supporters,
                "segment": segment.name if segment else None,
            }
            queue(event, data, [endpoint])
            fired += 1
    return fired


def scan_segment_thresholds() -> int:
    """Fire idea.segment_supporters_crossed for every idea with at least N counted up-votes from
    members of the endpoint's segment, once per idea per endpoint; returns how many fired. One query
    per endpoint with a segment threshold."""
    fired = 0
    endpoints = Endpoint.objects.filter(
        is_active=True, segment__isnull=False, segment_threshold__isnull=False
    ).select_related("segment")
    for endpoint in endpoints:
        if Event.IDEA_SEGMENT_SUPPORTERS_CROSSED not in endpoint.events:
            continue
        crossed = ThresholdCrossing.objects.filter(
            endpoint=endpoint, event=Event.IDEA_SEGMENT_SUPPORTERS_CROSSED
        ).values("idea_id")
        votes = Vote.objects.counted().filter(
            value=Vote.Value.UP,
            member__segments=endpoint.segment_id,
            idea__visibility=Visibility.PUBLIC,
        )
        if endpoint.product_id:
            votes = votes.filter(idea__product_id=endpoint.product_id)
        counts = dict(
            votes.exclude(idea_id__in=crossed)
            .values("idea_id")
            .annotate(n=Count("id"))
            .filter(n__gte=endpoint.segment_threshold)
            .values_list("idea_id", "n")
        )
        for idea in Idea.objects.select_related("product").filter(pk__in=counts):
            fired += _fire_crossings(
                Event.IDEA_SEGMENT_SUPPORTERS_CROSSED,
                idea,
                [endpoint],
                supporters=counts[idea.pk],
                segment=endpoint.segment,
            )
    return fired


@task()
@retry_transient()
def scan_segment_thresholds_task() -> int:
    """The periodic scan (queued by run_scheduler: WebhooksConfig). Safe to run twice: a crossing is
    recorded once (ThresholdCrossing's unique constraint). Here rather than in tasks.py, which events
    imports to queue deliveries."""
    return scan_segment_thresholds()


def connect() -> None:
    idea_signals.idea_created.connect(on_idea_created, dispatch_uid="webhooks.idea_created")
    idea_signals.idea_status_changed.connect(on_idea_status_changed, dispatch_uid="webhooks.idea_status")
    idea_signals.idea_merged.connect(on_idea_merged, dispatch_uid="webhooks.idea_merged")
    idea_signals.comment_created.connect(on_comment_created, dispatch_uid="webhooks.comment_created")
    idea_signals.release_published.connect(on_release_published, dispatch_uid="webhooks.release")
    backlog_signals.backlog_item_created.connect(on_backlog_item_created, dispatch_uid="webhooks.item_new")
    backlog_signals.backlog_item_updated.connect(on_backlog_item_updated, dispatch_uid="webhooks.item")
    voting_signals.votes_changed.connect(on_votes_changed, dispatch_uid="webhooks.votes")
