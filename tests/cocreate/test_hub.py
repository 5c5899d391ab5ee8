"""The per-process hub (cocreate/hub.py) on a real in-memory channel layer: one subscription per group,
messages handed to every local listener in order, a failing listener or layer costs only itself."""

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from cocreate.hub import Hub

pytestmark = pytest.mark.asyncio


class Listener:
    def __init__(self, fails=False):
        self.heard: list[str] = []
        self.fails = fails

    async def deliver(self, text):
        if self.fails:
            raise ConnectionResetError("socket closed meanwhile")
        self.heard.append(text)


async def heard_by(listeners, count, timeout=2.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while any(len(listener.heard) < count for listener in listeners):
        assert asyncio.get_running_loop().time() < deadline, [listener.heard for listener in listeners]
        await asyncio.sleep(0.01)


async def test_a_group_is_subscribed_once_and_every_listener_hears_in_order():
    layer = InMemoryChannelLayer()
    hub = Hub(layer)
    first, second, elsewhere = Listener(), Listener(), Listener()
    await hub.join("idea.1", first)
    await hub.join("idea.1", second)
    await hub.join("idea.2", elsewhere)

    for n in range(3):
        await layer.group_send("idea.1", {"type": "community.event", "group": "idea.1", "text": f"vote {n}"})
    await heard_by([first, second], 3)
    assert first.heard == second.heard == ["vote 0", "vote 1", "vote 2"]
    assert elsewhere.heard == []
    assert set(hub.listeners) == {"idea.1", "idea.2"}

    for group, listener in (("idea.1", first), ("idea.1", second), ("idea.2", elsewhere)):
        await hub.leave(group, listener)
    assert hub.listeners == {} and hub.channel_name is None


async def test_a_listener_that_fails_costs_only_itself():
    layer = InMemoryChannelLayer()
    hub = Hub(layer)
    closed, open_ = Listener(fails=True), Listener()
    await hub.join("ideas", closed)
    await hub.join("ideas", open_)
    await layer.group_send("ideas", {"type": "community.event", "group": "ideas", "text": "one"})
    await layer.group_send("ideas", {"type": "community.event", "group": "ideas", "text": "two"})
    await heard_by([open_], 2)
    assert open_.heard == ["one", "two"]
    await hub.leave("ideas", closed)
    await hub.leave("ideas", open_)


async def test_a_group_the_layer_cannot_subscribe_is_not_kept():
    class Flaky(InMemoryChannelLayer):
        down = True

        async def group_add(self, group, channel):
            if self.down:
                raise ConnectionError("Redis is down")
            await super().group_add(group, channel)

    layer = Flaky()
    hub = Hub(layer)
    with pytest.raises(ConnectionError):
        await hub.join("idea.1", Listener())
    assert hub.listeners == {}

    # Once the layer answers again, the next socket subscribes as if nothing had happened.
    layer.down = False
    listener = Listener()
    await hub.join("idea.1", listener)
    await layer.group_send("idea.1", {"type": "community.event", "group": "idea.1", "text": "back"})
    await heard_by([listener], 1)
    assert listener.heard == ["back"]
    await hub.leave("idea.1", listener)


async def test_a_message_published_once_reaches_every_group_it_names():
    """An idea page hears its votes through the list's group: one message published there names both
    groups, and each local listener hears it once; a layer group is kept while any local group needs it."""
    layer = InMemoryChannelLayer()
    hub = Hub(layer)
    page, listing, other_page = Listener(), Listener(), Listener()
    await hub.join("idea.1", page, through=("ideas",))
    await hub.join("ideas", listing)
    await hub.join("idea.2", other_page, through=("ideas",))
    assert hub.subscriptions == {
        "idea.1": {"idea.1"},
        "ideas": {"idea.1", "ideas", "idea.2"},
        "idea.2": {"idea.2"},
    }

    vote = {"type": "community.event", "groups": ["idea.1", "ideas"], "text": "vote"}
    await layer.group_send("ideas", vote)
    await layer.group_send("idea.1", {"type": "community.event", "groups": ["idea.1"], "text": "comment"})
    await heard_by([page], 2)
    await heard_by([listing], 1)
    assert page.heard == ["vote", "comment"] and listing.heard == ["vote"]
    assert other_page.heard == []

    await hub.leave("ideas", listing)
    assert set(hub.subscriptions) == {"idea.1", "ideas", "idea.2"}  # the pages still hear through it
    await hub.leave("idea.1", page)
    assert hub.subscriptions == {"ideas": {"idea.2"}, "idea.2": {"idea.2"}}
    await layer.group_send("ideas", {"type": "community.event", "groups": ["idea.2", "ideas"], "text": "v2"})
    await heard_by([other_page], 1)
    assert other_page.heard == ["v2"] and page.heard == ["vote", "comment"]
    await hub.leave("idea.2", other_page)
    assert hub.listeners == {} and hub.subscriptions == {} and hub.channel_name is None


async def test_a_failed_subscription_through_another_group_keeps_nothing():
    class Flaky(InMemoryChannelLayer):
        async def group_add(self, group, channel):
            if group == "ideas":
                raise ConnectionError("Redis is down")
            await super().group_add(group, channel)

    hub = Hub(Flaky())
    with pytest.raises(ConnectionError):
        await hub.join("idea.1", Listener(), through=("ideas",))
    assert hub.listeners == {} and hub.subscriptions == {} and hub.channel_name is None


async def test_a_batch_of_events_reaches_each_part_s_groups_in_order():
    """Votes published together (ideas/broadcasts.py `batched`): each part goes to its own groups."""
    layer = InMemoryChannelLayer()
    hub = Hub(layer)
    page, listing = Listener(), Listener()
    await hub.join("idea.1", page, through=("ideas",))
    await hub.join("ideas", listing)
    batch = [
        {"groups": ["idea.2", "ideas"], "text": "votes on 2"},
        {"groups": ["idea.1", "ideas"], "text": "votes on 1"},
    ]
    await layer.group_send(
        "ideas", {"type": "community.event", "batch": batch, "groups": ["idea.1", "idea.2", "ideas"]}
    )
    await heard_by([listing], 2)
    await heard_by([page], 1)
    assert listing.heard == ["votes on 2", "votes on 1"] and page.heard == ["votes on 1"]
