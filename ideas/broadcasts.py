"""Live updates sent to websocket clients. Called only from services; sent after the commit.

Every event is a dict with a `type`; the shapes are pinned by tests/ideas/test_consumers.py.
  idea.votes       {type, idea, votes, upvotes, downvotes}        to the idea's group and the list group
  comment.created  {type, idea, comment, parent, html, comments}  to the idea's group
"""

import asyncio
import os
import threading
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task

IDEA_LIST_GROUP = "ideas"
# How long a request waits for the channel layer before giving up on a live update (it is logged by
# the task backend; the vote itself is already committed).
SEND_TIMEOUT_SECONDS = 2

_sender_lock = threading.Lock()
_sender: tuple[int, asyncio.AbstractEventLoop] | None = None


def idea_group(idea_id: int) -> str:
    return f"idea.{idea_id}"


def _sender_loop() -> asyncio.AbstractEventLoop:
    """This process's event loop for channel-layer sends from sync code, started on first use.

    `async_to_sync` from a sync worker (gunicorn, a management command) starts a new event loop per
    call, and channels-redis a new connection pool per loop: ~7 ms per send. One loop kept running on
    a daemon thread keeps one pool. Keyed by pid: a forked worker starts its own (threads do not
    survive a fork).
    """
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer-sender", daemon=True).start()
            _sender = (os.getpid(), loop)
        return _sender[1]


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
    sending = asyncio.run_coroutine_threadsafe(_group_send_all(layer, groups, message), _sender_loop())
    try:
        sending.result(timeout=SEND_TIMEOUT_SECONDS)
    except TimeoutError:
        sending.cancel()
        raise


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
