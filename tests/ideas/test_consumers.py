"""Websocket clients hear votes and comments, through the real channel layer (Redis when configured)."""

import asyncio
import logging

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections

from cocreate import noreply
from cocreate.asgi import application
from ideas import broadcasts, services
from voting.services import vote_cast

from ..factories import MemberFactory, make_idea

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = [(b"origin", b"http://testserver")]


async def connect(path):
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_idea_page_hears_votes_and_comments():
    idea = await database_sync_to_async(make_idea)()
    voter = await database_sync_to_async(MemberFactory)()
    page, connected, _ = await connect(f"/ws/ideas/{idea.pk}/")
    assert connected

    await database_sync_to_async(vote_cast)(member=voter, idea_id=idea.pk)
    assert await page.receive_json_from(timeout=5) == {
        "type": "idea.votes",
        "idea": idea.pk,
        "votes": 1,
        "upvotes": 1,
        "downvotes": 0,
    }

    comment = await database_sync_to_async(services.comment_post)(
        author=voter, idea=idea, body="Live *hello*"
    )
    event = await page.receive_json_from(timeout=5)
    assert event["type"] == "comment.created"
    assert (event["idea"], event["comment"], event["parent"], event["comments"]) == (
        idea.pk,
        comment.pk,
        None,
        1,
    )
    assert f'id="comment-{comment.pk}"' in event["html"] and "<em>hello</em>" in event["html"]
    await page.disconnect()


async def test_list_page_hears_vote_counts_of_every_idea():
    first, second = await database_sync_to_async(make_idea)(), await database_sync_to_async(make_idea)()
    voter = await database_sync_to_async(MemberFactory)()
    listing, connected, _ = await connect("/ws/ideas/")
    assert connected
    await database_sync_to_async(vote_cast)(member=voter, idea_id=second.pk)
    await database_sync_to_async(vote_cast)(member=voter, idea_id=first.pk, value=-1)
    events = [await listing.receive_json_from(timeout=5) for _ in range(2)]
    assert [(e["idea"], e["votes"]) for e in events] == [(second.pk, 1), (first.pk, -1)]
    await listing.disconnect()


async def test_hidden_or_missing_idea_refuses_the_socket():
    idea = await database_sync_to_async(make_idea)()
    from ideas.models import Idea

    await database_sync_to_async(Idea.objects.filter(pk=idea.pk).update)(visibility="hidden")
    _, connected, code = await connect(f"/ws/ideas/{idea.pk}/")
    assert not connected and code == 4404
    _, connected, code = await connect("/ws/ideas/999999/")
    assert not connected


async def test_nothing_is_broadcast_when_the_transaction_rolls_back():
    from django.db import transaction

    idea = await database_sync_to_async(make_idea)()
    voter = await database_sync_to_async(MemberFactory)()
    page, connected, _ = await connect(f"/ws/ideas/{idea.pk}/")

    def vote_then_fail():
        with transaction.atomic():
            vote_cast(member=voter, idea_id=idea.pk)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(vote_then_fail)()
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()


@pytest.mark.skipif(
    "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"],
    reason="the in-memory layer only reaches sockets through this process's own event loop",
)
async def test_votes_from_a_thread_without_an_event_loop_reach_listeners_in_order():
    """As in a gunicorn sync worker: each vote publishes its event itself, straight to Redis, in the
    format of the pub/sub channel layer that the consumers listen on."""
    idea = await database_sync_to_async(make_idea)()
    voters = [await database_sync_to_async(MemberFactory)() for _ in range(6)]
    page, connected, _ = await connect(f"/ws/ideas/{idea.pk}/")
    listing, listing_connected, _ = await connect("/ws/ideas/")
    assert connected and listing_connected

    def vote_like_a_wsgi_worker():
        try:
            for voter in voters:
                vote_cast(member=voter, idea_id=idea.pk)
            return broadcasts._publisher(get_channel_layer())
        finally:
            connections.close_all()

    publisher = await asyncio.to_thread(vote_like_a_wsgi_worker)
    assert publisher is not None  # sent by the sync publisher, not through async_to_sync
    assert [(await page.receive_json_from(timeout=5))["votes"] for _ in voters] == [1, 2, 3, 4, 5, 6]
    assert [(await listing.receive_json_from(timeout=5))["idea"] for _ in voters] == [idea.pk] * 6
    await page.disconnect()
    await listing.disconnect()


@pytest.mark.skipif(
    "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"],
    reason="the in-memory layer only reaches sockets through this process's own event loop",
)
async def test_live_updates_go_on_after_redis_closes_the_broadcasting_connection():
    """Broadcasts ask Redis for no replies, so a connection Redis has dropped must be noticed
    before writing to it, or the next update would vanish without an error."""
    idea = await database_sync_to_async(make_idea)()
    first, second = [await database_sync_to_async(MemberFactory)() for _ in range(2)]
    page, connected, _ = await connect(f"/ws/ideas/{idea.pk}/")
    assert connected

    def vote_like_a_wsgi_worker(voter):
        try:
            vote_cast(member=voter, idea_id=idea.pk)
        finally:
            connections.close_all()

    await asyncio.to_thread(vote_like_a_wsgi_worker, first)
    assert (await page.receive_json_from(timeout=5))["votes"] == 1

    admin = redis.Redis.from_url(settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0])
    mine = [c["id"] for c in admin.client_list() if c["name"] == noreply.CLIENT_NAME]
    assert mine  # the first broadcast went out on a named connection
    for client_id in mine:
        admin.client_kill_filter(_id=client_id)

    await asyncio.to_thread(vote_like_a_wsgi_worker, second)
    assert (await page.receive_json_from(timeout=5))["votes"] == 2
    await page.disconnect()


@pytest.mark.skipif(
    "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"],
    reason="only the Redis layer can be unreachable",
)
async def test_a_vote_stands_when_its_live_update_cannot_be_sent(monkeypatch, caplog):
    idea = await database_sync_to_async(make_idea)()
    voter = await database_sync_to_async(MemberFactory)()
    publisher = broadcasts._publisher(get_channel_layer())
    nowhere = noreply.NoReplyConnection("redis://127.0.0.1:1")  # nothing listens there
    monkeypatch.setattr(publisher, "connections", [nowhere])

    with caplog.at_level(logging.ERROR, logger="ideas.broadcasts"):
        tally = await database_sync_to_async(vote_cast)(member=voter, idea_id=idea.pk)

    assert tally.votes == 1
    await database_sync_to_async(idea.refresh_from_db)()
    assert idea.upvote_count == 1
    assert "Live update idea.votes not sent" in caplog.text


async def test_idea_page_hears_when_a_moderator_hides_and_restores_a_comment():
    from moderation import services as moderation

    from ..factories import with_role

    idea = await database_sync_to_async(make_idea)()
    author = await database_sync_to_async(MemberFactory)()
    moderator = await database_sync_to_async(lambda: with_role(MemberFactory(), "moderator"))()
    comment = await database_sync_to_async(services.comment_post)(author=author, idea=idea, body="Rude")
    page, connected, _ = await connect(f"/ws/ideas/{idea.pk}/")
    assert connected

    await database_sync_to_async(moderation.content_hide)(
        moderator=moderator, kind="comment", object_id=comment.pk, reason="Insult"
    )
    assert await page.receive_json_from(timeout=5) == {
        "type": "comment.hidden",
        "idea": idea.pk,
        "comment": comment.pk,
        "comments": 0,
    }
    await database_sync_to_async(moderation.content_restore)(
        moderator=moderator, kind="comment", object_id=comment.pk, reason="On second thought"
    )
    event = await page.receive_json_from(timeout=5)
    assert (event["type"], event["comment"], event["comments"]) == ("comment.created", comment.pk, 1)
    assert "Rude" in event["html"]
    await page.disconnect()
