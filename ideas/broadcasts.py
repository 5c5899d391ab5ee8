"""Live updates sent to websocket clients. Called only from services; sent after the commit.

Every event is a dict with a `type`; the shapes are pinned by tests/ideas/test_consumers.py.
  idea.votes       {type, idea, votes, upvotes, downvotes}        to the idea's group and the list group
  comment.created  {type, idea, comment, parent, html, comments}  to the idea's group
"""

import asyncio
import logging
from functools import partial

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import _consistent_hash
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from cocreate.noreply import NoReplyConnection

IDEA_LIST_GROUP = "ideas"

logger = logging.getLogger(__name__)


def idea_group(idea_id: int) -> str:
    return f"idea.{idea_id}"


class _Publisher:
    """Sends group messages from sync code (gunicorn workers, commands): PUBLISH on Redis, one write
    per shard and no wait for Redis's answer (cocreate.noreply).

    It writes exactly what channels_redis's RedisPubSubChannelLayer.group_send writes: the layer's own
    msgpack serialisation, on the Redis pub/sub channel "<prefix>__group__<group>", on the shard the
    layer's consistent hash picks. tests/ideas/test_consumers.py checks that real consumers on that
    layer hear it. Going through the layer from sync code meant `async_to_sync` or an event loop on a
    thread of its own: ~1 ms of CPU per vote, against ~0.1 ms for this.
    """

    def __init__(self, layer: RedisPubSubChannelLayer, config: dict):
        self.layer = layer
        self.prefix = config.get("prefix", "asgi")
        hosts = config.get("hosts") or ["redis://localhost:6379"]
        self.connections = [NoReplyConnection(host) for host in hosts]

    def publish(self, groups: list[str], message: dict) -> None:
        payload = self.layer.serialize(message)
        commands: dict[int, list] = {}
        for group in groups:
            channel = f"{self.prefix}__group__{group}"
            shard = _consistent_hash(channel, len(self.connections))
            commands.setdefault(shard, []).append(("PUBLISH", channel, payload))
        for shard, shard_commands in commands.items():
            self.connections[shard].send(shard_commands)


_publishers: dict[int, _Publisher] = {}


def _publisher(layer) -> _Publisher | None:
    """This process's publisher for the layer, when it is the pub/sub layer with hosts given as URLs."""
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    publisher = _publishers.get(id(layer))
    if publisher is None:
        config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
        if not all(isinstance(host, str) for host in config.get("hosts", [])):
            return None  # sentinels or connection dicts: leave them to the layer itself
        publisher = _publishers[id(layer)] = _Publisher(layer, config)
    return publisher


async def _group_send_all(layer, groups: list[str], message: dict) -> None:
    for group in groups:
        await layer.group_send(group, message)


def send_event(*, groups: list[str], event: dict) -> None:
    """Send one event to every listener of the groups. A live update that cannot go out (Redis down)
    is logged and dropped: what it reports is committed already, and pages show it on reload."""
    layer = get_channel_layer()
    message = {"type": "community.event", "event": event}
    try:
        publisher = _publisher(layer)
        if publisher is not None:
            publisher.publish(groups, message)
        else:
            _send_in_process(layer, groups, message)
    except (redis.RedisError, OSError):
        logger.exception("Live update %s not sent", event.get("type"))


_pending: set[asyncio.Task] = set()


def _send_in_process(layer, groups: list[str], message: dict) -> None:
    """The in-memory layer (development, tests): its queues belong to the event loop of this process's
    consumers, which async_to_sync reaches from a request thread under ASGI."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(_group_send_all)(layer, groups, message)
        return
    # Sync code called on a thread whose loop is running (a test driving a browser): async_to_sync
    # cannot be used there, so the send waits for that loop's next turn.
    task = loop.create_task(_group_send_all(layer, groups, message))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


def _send_on_commit(*, groups: list[str], event: dict) -> None:
    transaction.on_commit(partial(send_event, groups=groups, event=event))


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
