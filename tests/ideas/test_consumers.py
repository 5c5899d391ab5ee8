"""Websocket clients hear votes and comments, through the real channel layer (Redis when configured)."""

import asyncio
import logging
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

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
    """As in a WSGI worker: each vote hands its event to the process's sending loop and returns; the
    listeners hear the totals in the order the votes were cast, up to the last. Votes handed over
    within the sender's linger go out together with the idea's latest totals (ideas/broadcasts.py
    `batched`), so a fast burst may skip totals in between, never reorder them."""
    idea = await database_sync_to_async(make_idea)()
    voters = [await database_sync_to_async(MemberFactory)() for _ in range(6)]
    page, connected, _ = await connect(f"/ws/ideas/{idea.pk}/")
    listing, listing_connected, _ = await connect("/ws/ideas/")
    assert connected and listing_connected

    def vote_like_a_wsgi_worker():
        try:
            for voter in voters:
                vote_cast(member=voter, idea_id=idea.pk)
        finally:
            connections.close_all()

    await asyncio.to_thread(vote_like_a_wsgi_worker)
    for listener in (page, listing):
        heard = [await listener.receive_json_from(timeout=5)]
        while heard[-1]["votes"] < len(voters):
            heard.append(await listener.receive_json_from(timeout=5))
        totals = [event["votes"] for event in heard]
        assert totals == sorted(set(totals)) and totals[-1] == 6, totals  # rising, to the last vote
        assert {event["idea"] for event in heard} == {idea.pk}
        assert await listener.receive_nothing(timeout=0.3)  # nothing older arrives afterwards
    await page.disconnect()
    await listing.disconnect()


@pytest.mark.skipif(
    "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"],
    reason="only the Redis layer can be unreachable",
)
async def test_a_vote_stands_when_its_live_update_cannot_be_sent(monkeypatch, caplog):
    from channels_redis.pubsub import RedisPubSubChannelLayer

    idea = await database_sync_to_async(make_idea)()
    voter = await database_sync_to_async(MemberFactory)()
    nowhere = RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1"])  # nothing listens there
    monkeypatch.setattr(broadcasts, "get_channel_layer", lambda: nowhere)

    with caplog.at_level(logging.ERROR, logger="ideas.broadcasts"):
        tally = await database_sync_to_async(vote_cast)(member=voter, idea_id=idea.pk)
        assert tally.votes == 1  # answered before the update went out, or failed to
        deadline = time.monotonic() + 30  # the client retries a refused connection with back-off
        while "Live update idea.votes not sent" not in caplog.text and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    await database_sync_to_async(idea.refresh_from_db)()
    assert idea.upvote_count == 1
    assert "Live update idea.votes not sent" in caplog.text


async def test_a_vote_whose_live_update_fails_is_answered_and_stored(monkeypatch, caplog):
    """Effects after the commit never reach the member who voted: the answer is the vote's, 200."""

    def broken_layer():
        raise RuntimeError("no channel layer today")

    monkeypatch.setattr(broadcasts, "get_channel_layer", broken_layer)
    idea = await database_sync_to_async(make_idea)()
    voter = await database_sync_to_async(MemberFactory)()

    def vote_through_the_site():
        client = Client()
        client.force_login(voter)
        return client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, HTTP_ACCEPT="application/json")

    with caplog.at_level(logging.ERROR, logger="ideas.broadcasts"):
        answer = await database_sync_to_async(vote_through_the_site)()

    assert answer.status_code == 200 and answer.json()["votes"] == 1
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


async def test_a_live_update_goes_out_as_its_pre_encoded_text_once_per_socket():
    """The event's JSON is encoded once, in the sending process (broadcasts.event_message); every socket
    of the group gets that text as it is. A message without its group or text (an older sender) is
    dropped, and the next one still arrives."""
    from channels.layers import get_channel_layer

    idea = await database_sync_to_async(make_idea)()
    group = broadcasts.idea_group(idea.pk)
    pages = [(await connect(f"/ws/ideas/{idea.pk}/"))[0] for _ in range(3)]
    layer = get_channel_layer()
    await layer.group_send(group, {"type": "community.event", "event": {"type": "x", "idea": idea.pk}})
    message = {
        **broadcasts.event_message({"type": "idea.votes", "idea": idea.pk, "votes": 7}),
        "group": group,
    }
    message["text"] = f'{{"type":"idea.votes","idea":{idea.pk},"votes":7,"pre":"encoded"}}'
    await layer.group_send(group, message)
    assert [await page.receive_from(timeout=5) for page in pages] == [message["text"]] * 3
    assert [await page.receive_nothing(timeout=0.2) for page in pages] == [True] * 3
    for page in pages:
        await page.disconnect()


async def test_one_subscription_per_group_per_process():
    """Sockets of one group share the process's one subscription (cocreate/hub.py): a vote is received
    once per process and handed to each socket; when the last one leaves, the hub lets go."""
    from cocreate.hub import current_hub

    first, second = await database_sync_to_async(make_idea)(), await database_sync_to_async(make_idea)()
    voter = await database_sync_to_async(MemberFactory)()
    on_first = [(await connect(f"/ws/ideas/{first.pk}/"))[0] for _ in range(3)]
    on_second, _, _ = await connect(f"/ws/ideas/{second.pk}/")
    hub = current_hub()
    assert hub.channel_name is not None
    assert {group: len(members) for group, members in hub.listeners.items()} == {
        broadcasts.idea_group(first.pk): 3,
        broadcasts.idea_group(second.pk): 1,
    }

    await database_sync_to_async(vote_cast)(member=voter, idea_id=first.pk)
    assert [(await page.receive_json_from(timeout=5))["votes"] for page in on_first] == [1, 1, 1]
    assert await on_second.receive_nothing(timeout=0.2)

    await on_first[0].disconnect()
    await database_sync_to_async(vote_cast)(member=voter, idea_id=first.pk, value=-1)
    assert [(await page.receive_json_from(timeout=5))["votes"] for page in on_first[1:]] == [-1, -1]

    for page in [*on_first[1:], on_second]:
        await page.disconnect()
    assert hub.listeners == {} and hub.channel_name is None


async def test_event_message_carries_the_event_and_its_json():
    import json

    message = broadcasts.event_message({"type": "idea.votes", "idea": 1, "votes": -2})
    assert message["type"] == "community.event"
    assert json.loads(message["text"]) == message["event"] == {"type": "idea.votes", "idea": 1, "votes": -2}


async def test_a_vote_is_published_once_for_its_idea_page_and_the_list(monkeypatch):
    """One publish per vote (ideas/broadcasts.py): to the list's group, naming the idea's group too; an
    idea page hears it through the list's group, and the page of another idea does not."""
    from channels.layers import get_channel_layer

    idea, other = await database_sync_to_async(make_idea)(), await database_sync_to_async(make_idea)()
    voter = await database_sync_to_async(MemberFactory)()
    page, _, _ = await connect(f"/ws/ideas/{idea.pk}/")
    other_page, _, _ = await connect(f"/ws/ideas/{other.pk}/")
    listing, _, _ = await connect("/ws/ideas/")
    layer = get_channel_layer()
    published = []
    group_send = layer.group_send

    async def counting_group_send(group, message):
        published.append((group, message.get("groups")))
        await group_send(group, message)

    monkeypatch.setattr(layer, "group_send", counting_group_send)
    await database_sync_to_async(vote_cast)(member=voter, idea_id=idea.pk)
    assert (await page.receive_json_from(timeout=5))["votes"] == 1
    assert (await listing.receive_json_from(timeout=5))["idea"] == idea.pk
    assert await other_page.receive_nothing(timeout=0.2)
    assert await page.receive_nothing(timeout=0.2)  # heard once, although it hears through two groups
    assert published == [
        (broadcasts.IDEA_LIST_GROUP, [broadcasts.idea_group(idea.pk), broadcasts.IDEA_LIST_GROUP])
    ]
    for socket in (page, other_page, listing):
        await socket.disconnect()
