"""Live updates sent to websocket clients. Called only from services; sent after the commit.

Every event is a dict with a `type`; the shapes are pinned by tests/ideas/test_consumers.py.
  idea.votes       {type, idea, votes, upvotes, downvotes}        to the idea's group and the list group
  comment.created  {type, idea, comment, parent, html, comments}  to the idea's group
"""

import asyncio
import logging
import os
import threading
from dataclasses import dataclass
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task

IDEA_LIST_GROUP = "ideas"
# Live updates waiting to go out from one process; past this (Redis down or far behind) new ones are
# dropped and logged rather than held in memory.
MAX_PENDING_SENDS = 10_000

logger = logging.getLogger(__name__)


def idea_group(idea_id: int) -> str:
    return f"idea.{idea_id}"


@dataclass(frozen=True)
class _Sender:
    """This process's channel-layer sender for sync code: an event loop on a daemon thread, draining
    one queue of sends in order.

    `async_to_sync` from a sync worker (gunicorn, a management command) starts a new event loop per
    call, and channels-redis a new connection pool per loop: ~7 ms per send. One loop kept running
    keeps one pool. The request only queues its event (after the commit) and does not wait for Redis;
    one consumer sends the events in the order they were queued, so clients never get an older count
    after a newer one from the same process. Events still queued when the process exits are lost,
    like any live update to a client that is not listening at that moment.
    """

    pid: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue

    def submit(self, layer, groups: list[str], message: dict) -> None:
        self.loop.call_soon_threadsafe(self._put, (layer, groups, message))

    def _put(self, item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            logger.error("Live update dropped: %d are waiting already", self.queue.qsize())

    async def drain(self) -> None:
        while True:
            layer, groups, message = await self.queue.get()
            try:
                await _group_send_all(layer, groups, message)
            except Exception:
                logger.exception("Live update %s not sent", message["event"].get("type"))


_sender_lock = threading.Lock()
_sender: _Sender | None = None


def _process_sender() -> _Sender:
    """The sender of this process, started on first use; a forked worker starts its own (threads do
    not survive a fork)."""
    global _sender
    with _sender_lock:
        if _sender is None or _sender.pid != os.getpid():
            loop = asyncio.new_event_loop()
            sender = _Sender(os.getpid(), loop, asyncio.Queue(maxsize=MAX_PENDING_SENDS))
            loop.call_soon(lambda: loop.create_task(sender.drain()))
            threading.Thread(target=loop.run_forever, name="channel-layer-sender", daemon=True).start()
            _sender = sender
        return _sender


async def _group_send_all(layer, groups: list[str], message: dict) -> None:
    for group in groups:
        await layer.group_send(group, message)


@task(backend="live")
def send_event(*, groups: list[str], event: dict) -> None:
    layer = get_channel_layer()
    message = {"type": "community.event", "event": event}
    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the event loop of this process's consumers, which async_to_sync reaches
        # from a request thread under ASGI (the only place its messages have listeners).
        async_to_sync(_group_send_all)(layer, groups, message)
        return
    _process_sender().submit(layer, groups, message)


def _send_on_commit(*, groups: list[str], event: dict) -> None:
    transaction.on_commit(partial(send_event.enqueue, groups=groups, event=event))


def broadcast_idea_votes(*, idea_id: int, upvotes: int, downvotes: int) -> None:
    _send_on_commit(
        groups=[idea_group(idea_id), IDEA_LIST_GROUP],
        event={
            "type": "idea.votes",
            "idea": idea_id,
            "votes": upvotes - downvotes,
            "upvotes": upvotes,
            "downvotes": downvotes,
        },
    )


def broadcast_comment_hidden(*, idea_id: int, comment_id: int, comment_count: int) -> None:
    """A moderator hid (or held) a comment: open pages drop its text and keep the thread."""
    _send_on_commit(
        groups=[idea_group(idea_id)],
        event={"type": "comment.hidden", "idea": idea_id, "comment": comment_id, "comments": comment_count},
    )


def broadcast_comment_created(*, comment, comment_count: int) -> None:
    html = render_to_string("ideas/_comment.html", {"comment": comment, "replies": []})
    _send_on_commit(
        groups=[idea_group(comment.idea_id)],
        event={
            "type": "comment.created",
            "idea": comment.idea_id,
            "comment": comment.pk,
            "parent": comment.parent_id,
            "html": html,
            "comments": comment_count,
        },
    )
