"""Redis is an accelerator: with it stopped or hung, pages, log-ins and votes go on from the database, and
everything is as before within seconds of it coming back (cocreate/cache.py, cocreate/breaker.py).

Every test runs against a private Redis (tests/cocreate/conftest.py) that it stops, pauses and restarts,
configured as production configures the shared one.
"""

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django_redis.client import DefaultClient
from redis.exceptions import ConnectionError as RedisConnectionError

from cocreate.asgi import application
from cocreate.breaker import OPEN, breaker
from cocreate.cache import (
    LOST_WRITES_BATCH,
    LOST_WRITES_KEPT,
    RedisSkipped,
    _forget,
    _lost_write_batch,
    _remember_lost_writes,
    forget_lost_writes,
    lost_write_count,
    shared_redis,
)
from ideas import broadcasts
from ideas.models import Idea
from voting.models import Vote

from ..factories import MemberFactory, make_idea
from .conftest import wait_until

JSON = {"HTTP_ACCEPT": "application/json"}
ORIGIN = [(b"origin", b"http://testserver")]


def redis_breaker(server):
    """The breaker of the private Redis's connections (earlier tests may have left others, closed)."""
    return breaker(f"Redis at 127.0.0.1:{server.port}")


def cache_works() -> bool:
    """True once Redis is used again: a value goes in and comes out, and the writes lost meanwhile have
    been deleted (the first call that reaches Redis does that)."""
    cache.set("outage-probe", 1, 30)
    return cache.get("outage-probe") == 1 and lost_write_count() == 0


@pytest.fixture
def busy_settings(settings, on_private_redis):
    """Every cache on: pages, members, rate limits, as in production."""
    settings.ANONYMOUS_LIST_CACHE_SECONDS = 3
    settings.ANONYMOUS_IDEA_CACHE_SECONDS = 3
    settings.MEMBER_LIST_CACHE_SECONDS = 3
    settings.MEMBER_IDEA_CACHE_SECONDS = 3
    settings.MEMBER_CACHE_SECONDS = 600
    return on_private_redis


@pytest.mark.django_db(transaction=True)
def test_pages_log_ins_and_votes_go_on_while_redis_is_stopped(client, busy_settings):
    idea = make_idea(title="Offline maps")
    alice = MemberFactory(username="alice")
    client.force_login(alice)
    assert client.get("/ideas/").status_code == 200  # caches filled while Redis is up
    assert cache_works()

    busy_settings.stop()

    anonymous = client.__class__()
    assert anonymous.get("/ideas/").status_code == 200
    assert anonymous.get(idea.get_absolute_url()).status_code == 200
    page = client.get("/ideas/")
    assert page.status_code == 200
    assert page.wsgi_request.user == alice  # her session and she herself came from the database
    assert client.get(idea.get_absolute_url()).status_code == 200
    voted = client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON)
    assert voted.status_code == 200 and voted.json()["votes"] == 1
    assert Vote.objects.filter(member=alice, idea=idea).exists()
    assert Idea.objects.get(pk=idea.pk).upvote_count == 1
    assert redis_breaker(busy_settings).state == OPEN

    busy_settings.start()
    wait_until(cache_works, message="the cache to work again")
    assert client.get("/ideas/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_rate_limits_fail_open_while_redis_is_stopped(client, settings, on_private_redis):
    settings.RATE_LIMIT_SCALE = 0.001  # one vote a minute, whatever the member's trust level
    ideas = [make_idea(title=f"Idea {n}") for n in range(4)]
    client.force_login(MemberFactory())
    # With Redis the limit holds (three tries: the minute may turn between two of them).
    answers = [
        client.post(f"/ideas/{idea.pk}/vote/", {"value": "1"}, **JSON).status_code for idea in ideas[:3]
    ]
    assert 429 in answers

    on_private_redis.stop()
    assert client.post(f"/ideas/{ideas[3].pk}/vote/", {"value": "1"}, **JSON).status_code == 200
    assert Vote.objects.filter(idea=ideas[3]).count() == 1


def test_a_hung_redis_costs_one_timeout_then_is_skipped(settings, on_private_redis):
    settings.REDIS_BREAKER_SECONDS = 2
    cache.set("key", "value", 30)
    on_private_redis.pause()
    try:
        assert cache.get("key") is None  # a read timeout: a miss
        skipped = redis_breaker(on_private_redis)
        assert skipped.state == OPEN and skipped.failures == 1
        for _ in range(50):
            assert cache.get("key") is None
            cache.set("key", "other", 30)
        assert skipped.failures == 1  # none of the 100 calls reached Redis: the breaker refused them
        with pytest.raises(RedisSkipped):
            shared_redis().sadd("votes:window:test", 1)  # the raw client shares the breaker
    finally:
        on_private_redis.resume()
    # After the pause one trial call goes through, Redis answers, and the breaker closes.
    wait_until(cache_works, message="Redis to be used again")
    assert redis_breaker(on_private_redis).state == "closed"


def test_writes_lost_while_redis_was_unreachable_are_deleted_when_it_answers(settings, on_private_redis):
    cache.set("member:1", "copy read before the change", 600)
    cache.set("page", "old page", 600)
    on_private_redis.pause()  # a partition: Redis keeps its data, but cannot be reached
    try:
        cache.set("member:1", "copy after the change", 600)  # lost
        cache.delete("page")  # lost
        assert lost_write_count() == 2
    finally:
        on_private_redis.resume()
    # The old values must not come back: the first calls after Redis answers delete them.
    wait_until(cache_works, message="Redis to be used again")
    assert cache.get("member:1") is None
    assert cache.get("page") is None


def test_a_failed_add_leaves_nothing_to_delete_later(on_private_redis):
    # An `add` replaces nothing, so when it fails nothing stale is left behind; deleting its key after
    # the outage would drop what another process added since (a lock, a rate window, a member's token).
    on_private_redis.stop()
    assert not cache.add("page:lock", 1, 10)
    cache.set("member:1", "copy after the change", 600)
    assert lost_write_count() == 1  # the set only


def test_a_call_while_redis_is_away_tries_one_batch_of_lost_writes_not_all(monkeypatch, on_private_redis):
    sent = []
    original = DefaultClient.delete_many

    def counting_delete_many(self, keys, *args, **kwargs):
        keys = list(keys)
        sent.append(len(keys))
        return original(self, keys, *args, **kwargs)

    on_private_redis.stop()
    cache.set_many({f"page:{n}": n for n in range(LOST_WRITES_KEPT)}, 600)  # lost: a long outage
    assert lost_write_count() == LOST_WRITES_KEPT
    monkeypatch.setattr(DefaultClient, "delete_many", counting_delete_many)
    assert cache.get("page:1") is None
    # One batch, refused at once by the breaker, not a copy of all 10,000 keys under the lock per call.
    assert sum(sent) <= LOST_WRITES_BATCH
    assert lost_write_count() == LOST_WRITES_KEPT  # kept for when Redis answers

    on_private_redis.start()
    wait_until(cache_works, message="Redis to be used again")
    assert cache.get("page:1") is None


def test_a_key_whose_write_fails_again_during_the_replay_is_kept():
    # The replay forgets a key only for the failure its DEL covered: a newer failure (the write lost
    # again while the DEL was on its way) is kept for the next replay.
    forget_lost_writes()
    try:
        _remember_lost_writes(["member:1"], None)
        batch = _lost_write_batch()
        _remember_lost_writes(["member:1"], None)  # lost again meanwhile
        _forget(batch)
        assert lost_write_count() == 1
        _forget(_lost_write_batch())
        assert lost_write_count() == 0
    finally:
        forget_lost_writes()


@pytest.mark.django_db(transaction=True)
def test_a_logout_during_a_partition_is_not_undone_by_the_cached_session(client, on_private_redis):
    client.force_login(MemberFactory())
    assert client.get("/ideas/").wsgi_request.user.is_authenticated  # the session is cached in Redis
    stolen_cookie = client.cookies["sessionid"].value
    on_private_redis.pause()
    try:
        assert client.post("/accounts/logout/").status_code == 302  # deleted in the database only
    finally:
        on_private_redis.resume()
    replay = client.__class__()
    replay.cookies["sessionid"] = stolen_cookie
    wait_until(cache_works, message="Redis to be used again")
    assert not replay.get("/ideas/").wsgi_request.user.is_authenticated


# --- Live updates ---------------------------------------------------------------------------------


async def connect(path):
    communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, code = await communicator.connect(timeout=10)
    return communicator, connected, code


def send_vote_event(idea_id: int, votes: int) -> None:
    broadcasts.send_event(
        groups=[broadcasts.IDEA_LIST_GROUP],
        event={"type": "idea.votes", "idea": idea_id, "votes": votes, "upvotes": votes, "downvotes": 0},
    )


async def hears_again(listener, idea_id: int, *, seconds: float = 30) -> dict:
    """Send live updates every half second until the listener hears one (old ones may arrive too)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        await sync_to_async(send_vote_event)(idea_id, 7)
        # receive_nothing, not receive_json_from: a timeout of the latter cancels the application.
        if not await listener.receive_nothing(timeout=0.5):
            return await listener.receive_json_from(timeout=10)
    raise AssertionError("the socket heard nothing after Redis came back")


@pytest.fixture
def quiet_layer_logs(caplog):
    # channels_redis logs a traceback a second while Redis is away (its receive loop); expected here.
    caplog.set_level(logging.CRITICAL, logger="channels_redis.pubsub")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_open_sockets_hear_updates_again_after_redis_restarts(on_private_redis, quiet_layer_logs):
    listener, connected, _ = await connect("/ws/ideas/")
    assert connected
    await sync_to_async(send_vote_event)(1, 1)
    assert (await listener.receive_json_from(timeout=10))["votes"] == 1

    await sync_to_async(on_private_redis.stop)()
    await sync_to_async(send_vote_event)(1, 2)  # dropped and logged, never raised
    await sync_to_async(on_private_redis.start)()

    heard = await hears_again(listener, 1)
    assert heard["type"] == "idea.votes"
    await listener.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_new_sockets_are_refused_while_redis_is_down_and_welcome_after(
    on_private_redis, quiet_layer_logs
):
    idea = await database_sync_to_async(make_idea)()
    await sync_to_async(on_private_redis.stop)()

    for path in ("/ws/ideas/", f"/ws/ideas/{idea.pk}/"):
        refused, connected, code = await connect(path)
        assert not connected and code == 1013  # "try again later"; the page's script reconnects
    assert breaker(broadcasts.CHANNEL_LAYER_BREAKER).state == OPEN

    await sync_to_async(on_private_redis.start)()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        listener, connected, _ = await connect(f"/ws/ideas/{idea.pk}/")
        if connected:
            break
        assert loop.time() < deadline, "new sockets still refused after Redis came back"
        await asyncio.sleep(0.2)
    layer = get_channel_layer()
    group = broadcasts.idea_group(idea.pk)
    await layer.group_send(group, {**broadcasts.event_message({"type": "x"}), "group": group})
    assert await listener.receive_json_from(timeout=10) == {"type": "x"}
    await listener.disconnect()


def test_a_broadcast_with_the_layer_down_is_dropped_and_logged(caplog, on_private_redis, quiet_layer_logs):
    on_private_redis.stop()
    with caplog.at_level(logging.ERROR, logger="ideas.broadcasts"):
        send_vote_event(1, 1)  # returns at once: the sender thread does the sending
        wait_until(
            lambda: any("not sent" in r.getMessage() for r in caplog.records), message="the failure's log"
        )
    assert breaker(broadcasts.CHANNEL_LAYER_BREAKER).state == OPEN


def test_the_raw_client_fails_fast_with_a_redis_error(on_private_redis):
    on_private_redis.stop()
    with pytest.raises(RedisConnectionError):
        shared_redis().sadd("votes:window:test", 1)
    with pytest.raises(RedisSkipped):  # the second call is not even tried
        shared_redis().sadd("votes:window:test", 1)
