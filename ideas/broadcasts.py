"""Live updates sent to websocket clients. Called only from services; sent after the commit.

Every event is a dict with a `type`; the shapes are pinned by tests/ideas/test_consumers.py.
  idea.votes       {type, idea, votes, upvotes, downvotes}        to the idea's group and the list group
  comment.created  {type, idea, comment, parent, html, comments}  to the idea's group
"""

from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django_tasks import task

IDEA_LIST_GROUP = "ideas"


def idea_group(idea_id: int) -> str:
    return f"idea.{idea_id}"


@task(backend="live")
def send_event(*, groups: list[str], event: dict) -> None:
    layer = get_channel_layer()
    for group in groups:
        async_to_sync(layer.group_send)(group, {"type": "community.event", "event": event})


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
