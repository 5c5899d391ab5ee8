"""Live updates sent to websocket clients. Called only from services; sent after the commit.

Every event is a dict with a `type`; the shapes are pinned by tests/ideas/test_consumers.py.
  idea.votes       {type, idea, votes, upvotes, downvotes}        to the idea's group and the list group
                                                                  (published once, to the list group)
  comment.created  {type, idea, comment, parent, html, comments}  to the idea's group
  comment.hidden   {type, idea, comment, comments}                to the idea's group

Events go out through the channel layer's public `group_send`, which is a coroutine, while services
run in sync code (gunicorn workers, commands, daphne's sync threads). Running it with `async_to_sync`
would make every vote wait for Redis and spin up an event loop hop (~1 ms of CPU, bench/RESULTS.md).
Instead each process keeps one event loop on a daemon thread (`_Sender`): the request thread only
hands the event over and returns, and the loop sends events one after the other, in the order they
were handed over. A live update that cannot go out is logged and dropped: what it reports is
committed already, and pages show it on reload. After a failed send the channel layer is skipped for
a few seconds (a circuit breaker, cocreate/breaker.py), so that events queued during a Redis outage are
dropped at once instead of each waiting for a timeout; sending resumes when Redis answers again.

Under load the sender publishes what was handed over together as one message per layer group: after
an event it waits LINGER_SECONDS for others, and the votes among them go out as one `batch` with each
idea's latest totals (`batched`; the hub hands each part to its groups). A publish cost a vote about a
fifth of its CPU (bench/RESULTS.md, 2026-12-05); a live update is at most LINGER_SECONDS later for it.

A vote is published once, to the list group, naming both groups it is for; idea pages hear their
idea's votes through the list group (`IDEA_PAGE_HEARS_THROUGH`, cocreate/hub.py), so each websocket
process picks out the idea's sockets itself. Two publishes per vote were a quarter of a vote's CPU
(bench/RESULTS.md, 2026-12-04 evening).

The in-memory layer (development, tests without Redis) only reaches consumers through the event loop
they run on, so there the event goes to that loop instead (`_send_in_process`).
"""

import asyncio
import json
import logging
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string

from cocreate.breaker import breaker

IDEA_LIST_GROUP = "ideas"
# The sender waits this long after an event for others to publish with it (`batched`): under load one
# message carries many votes, and a live update is at most this much later.
LINGER_SECONDS = 0.01
MAX_BATCH = 200
# Shared with the consumers, which refuse new sockets while it is open (ideas/consumers.py).
CHANNEL_LAYER_BREAKER = "Channel layer"

logger = logging.getLogger(__name__)


# The layer groups an idea page hears through besides its own: votes come from the list's group.
IDEA_PAGE_HEARS_THROUGH = (IDEA_LIST_GROUP,)


def idea_group(idea_id: int) -> str:
    return f"idea.{idea_id}"


async def _group_send_all(layer, groups: list[str], message: dict, publish_to: str | None) -> None:
    # The message names the groups it is for: a process's hub listens to all its groups on one channel
    # and hands the text to the sockets of each named group (cocreate/hub.py).
    message = {**message, "groups": groups}
    for group in [publish_to] if publish_to else groups:
        await layer.group_send(group, message)


class _Sender:
    """One event loop on a daemon thread, sending this process's events in order, without making the
    thread that hands them over wait. A process forked after the thread started has no such thread
    (fork copies only the forking thread), so it gets a sender of its own (see `_sender`)."""

    def __init__(self):
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.queue: asyncio.Queue = asyncio.Queue()
        threading.Thread(target=self._run, name="live-updates", daemon=True).start()

    def submit(self, layer, groups: list[str], message: dict, publish_to: str | None) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (layer, groups, message, publish_to))

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._send_forever())

    async def _send_forever(self) -> None:
        layer_breaker = breaker(CHANNEL_LAYER_BREAKER)
        while True:
            handed_over = [await self.queue.get()]
            # Whatever else is handed over meanwhile goes out with it (see `batched`).
            await asyncio.sleep(LINGER_SECONDS)
            while len(handed_over) < MAX_BATCH and not self.queue.empty():
                handed_over.append(self.queue.get_nowait())
            for layer, groups, message, publish_to in batched(handed_over):
                await self._send(layer_breaker, layer, groups, message, publish_to)

    @staticmethod
    async def _send(layer_breaker, layer, groups, message, publish_to) -> None:
        if not layer_breaker.allow():
            # Redis failed a moment ago: dropped without waiting (the breaker logged when it opened).
            logger.debug("Live update %s dropped: the channel layer is skipped", message["event"].get("type"))
            return
        try:
            await _group_send_all(layer, groups, message, publish_to)
        except Exception as error:
            layer_breaker.failed(error)
            logger.error("Live update %s not sent: %r", message["event"].get("type"), error)
        else:
            layer_breaker.succeeded()


def batched(handed_over: list[tuple]) -> list[tuple]:
    """The sends, as (layer, groups, message, publish_to), for events handed over together: the events
    published to one layer group (votes, to the list's group) become one message whose `batch` lists
    each event's groups and text in the order handed over, with only the latest event of each idea's
    votes (it carries the idea's totals, so an earlier one says nothing the latest does not); events
    sent to their own groups (comments) go as they came, and a lone event keeps its own message."""
    sends: list[tuple | dict] = []  # an event as it came, or the events of one layer group by key
    by_target: dict[tuple, dict] = {}
    for position, item in enumerate(handed_over):
        layer, _groups, message, publish_to = item
        if publish_to is None:
            sends.append(item)
            continue
        events = by_target.get((id(layer), publish_to))
        if events is None:
            events = by_target[(id(layer), publish_to)] = {}
            sends.append(events)
        event = message["event"]
        key = ("votes", event["idea"]) if event.get("type") == "idea.votes" else ("event", position)
        events.pop(key, None)  # the latest goes last
        events[key] = item
    return [send if isinstance(send, tuple) else _one_send(list(send.values())) for send in sends]


def _one_send(items: list[tuple]) -> tuple:
    if len(items) == 1:
        return items[0]
    layer, publish_to = items[0][0], items[0][3]
    batch = [{"groups": groups, "text": message["text"]} for _layer, groups, message, _to in items]
    groups = sorted({group for part in batch for group in part["groups"]})
    message = {"type": "community.event", "batch": batch, "event": {"type": f"{len(batch)} events"}}
    return layer, groups, message, publish_to


_current_sender: _Sender | None = None
_sender_lock = threading.Lock()


def _sender() -> _Sender:
    global _current_sender
    sender = _current_sender
    if sender is None or sender.pid != os.getpid():
        with _sender_lock:
            if _current_sender is None or _current_sender.pid != os.getpid():
                _current_sender = _Sender()
            sender = _current_sender
    return sender


def event_message(event: dict) -> dict:
    """The channel-layer message for one event: its JSON text, encoded once here rather than once per
    listening socket (the hub hands `text` as it is to every socket of the group, cocreate/hub.py).
    `event` is kept for logging."""
    return {"type": "community.event", "event": event, "text": json.dumps(event, separators=(",", ":"))}


def send_event(*, groups: list[str], event: dict, publish_to: str | None = None) -> None:
    """Send one event to every listener of the groups, without waiting for it to go out. It is
    published once, to `publish_to` when given (a layer group that the listeners of every one of
    `groups` hear through, cocreate/hub.py), else once to each group. Never raises: it runs after a
    commit, in the request that committed."""
    try:
        message = event_message(event)
        layer = get_channel_layer()
        if isinstance(layer, InMemoryChannelLayer):
            _send_in_process(layer, groups, message, publish_to)
        else:
            _sender().submit(layer, groups, message, publish_to)
    except Exception:
        logger.exception("Live update %s not sent", event.get("type"))


_pending: set[asyncio.Task] = set()


def _send_in_process(layer, groups: list[str], message: dict, publish_to: str | None) -> None:
    """The in-memory layer: its queues belong to the event loop of this process's consumers, which
    async_to_sync reaches from a request thread under ASGI."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(_group_send_all)(layer, groups, message, publish_to)
        return
    # Sync code called on a thread whose loop is running (a test driving a browser): async_to_sync
    # cannot be used there, so the send waits for that loop's next turn.
    task = loop.create_task(_group_send_all(layer, groups, message, publish_to))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


def _send_on_commit(*, groups: list[str], event: dict, publish_to: str | None = None) -> None:
    # A named function, not functools.partial: with robust=True Django logs a failing callback by its
    # __qualname__, which a partial lacks.
    def send_live_update():
        send_event(groups=groups, event=event, publish_to=publish_to)

    transaction.on_commit(send_live_update, robust=True)


def broadcast_idea_votes(*, idea_id: int, upvotes: int, downvotes: int) -> None:
    _send_on_commit(
        groups=[idea_group(idea_id), IDEA_LIST_GROUP],
        publish_to=IDEA_LIST_GROUP,  # idea pages hear through it (IDEA_PAGE_HEARS_THROUGH)
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
