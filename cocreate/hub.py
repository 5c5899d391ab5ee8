"""One channel-layer subscription per group per process, fanned out to that process's websockets.

channels' own pattern gives every socket a channel of its own and adds it to its groups, so one group
message (a vote) is received, queued, decoded and dispatched once per socket: at 2,000 listeners that
is most of the websocket server's CPU (bench/RESULTS.md, "websocket fan-out"). Here every event loop
(one per websocket server process) has one `Hub`: one channel of its own, added to each group that at
least one local socket listens to. The hub reads that channel with one task and hands each message's
pre-encoded text to the group's local listeners, in the order the messages arrived.

Only the channel layer's public API is used (`new_channel`, `receive`, `group_add`, `group_discard`),
so it works the same on the in-memory layer (one process) and on channels_redis (many processes,
through Redis). A group message carries its text (`text`) and the groups whose listeners hear it:
`groups`, a list, or `group`, one name (ideas/broadcasts.py `event_message`); or a `batch` of such
parts, events published together, handed over part by part (ideas/broadcasts.py `batched`).

One message can reach the listeners of several groups, so that an event for several groups is
published once: a listener joins its group *through* other layer groups as well (`join(..., through=)`)
and the hub subscribes to those too; a message published to one of them names every group it is for,
and the hub hands it to the local listeners of each. An idea page hears its idea's votes this way
from the list's group, where every vote is published once (ideas/broadcasts.py). The hub counts how
many local groups need each layer subscription and drops one when none does.

A listener is anything with `async def deliver(self, text: str)` (ideas/consumers.py). A listener
that fails (its socket closed meanwhile) is logged and skipped; the others still get the message.
When the last listener of a process leaves, the hub stops reading and gives its channel up.
"""

import asyncio
import logging
import weakref
from typing import Protocol

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

# After a failed read (the layer lost Redis and raised instead of waiting), try again this much later.
READ_RETRY_SECONDS = 1.0


class Listener(Protocol):
    async def deliver(self, text: str) -> None: ...


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.channel_name: str | None = None
        self.listeners: dict[str, set[Listener]] = {}
        # Layer group -> the local groups that hear through it (each listening group hears through
        # itself and its `through` groups).
        self.subscriptions: dict[str, set[str]] = {}
        self._reader: asyncio.Task | None = None
        # Serialises subscribing and unsubscribing, which await the layer (Redis); joining a group
        # that is already subscribed takes no lock and no round trip.
        self._lock = asyncio.Lock()

    async def join(self, group: str, listener: Listener, *, through: tuple[str, ...] = ()) -> None:
        """Deliver the group's messages to `listener` from now on: those published to `group` and those
        published to a layer group in `through` that name `group`. Raises what the layer raises when it
        cannot subscribe (Redis unreachable); the listener is then not added."""
        members = self.listeners.get(group)
        if members is not None:
            members.add(listener)
            return
        async with self._lock:
            if self.channel_name is None:
                self.channel_name = await self.layer.new_channel()
                self._reader = asyncio.get_running_loop().create_task(self._read(self.channel_name))
            members = self.listeners.get(group)
            if members is None:
                added = []
                try:
                    for layer_group in dict.fromkeys((group, *through)):
                        if layer_group not in self.subscriptions:
                            await self.layer.group_add(layer_group, self.channel_name)
                            self.subscriptions[layer_group] = set()
                        self.subscriptions[layer_group].add(group)
                        added.append(layer_group)
                except BaseException:
                    await self._unsubscribe(group, added)
                    if not self.listeners:
                        self._stop_reading()
                    raise
                members = self.listeners[group] = set()
            members.add(listener)

    async def leave(self, group: str, listener: Listener) -> None:
        members = self.listeners.get(group)
        if members is None or listener not in members:
            return
        members.discard(listener)
        if members:
            return
        # The last local listener of the group: unsubscribe. The entry goes first, so a listener that
        # joins meanwhile waits for the lock and subscribes again.
        del self.listeners[group]
        async with self._lock:
            if group in self.listeners or self.channel_name is None:
                return
            await self._unsubscribe(group, [g for g, groups in self.subscriptions.items() if group in groups])
            if not self.listeners:
                self._stop_reading()

    async def _unsubscribe(self, group: str, layer_groups: list[str]) -> None:
        """`group` no longer hears through `layer_groups`; give up the ones no other local group needs.
        Called with the lock held."""
        for layer_group in layer_groups:
            hearing = self.subscriptions.get(layer_group)
            if hearing is None:
                continue
            hearing.discard(group)
            if hearing:
                continue
            del self.subscriptions[layer_group]
            try:
                await self.layer.group_discard(layer_group, self.channel_name)
            except Exception as error:  # the socket is gone either way; a stray subscription is harmless
                logger.warning("Leaving group %s failed: %r", layer_group, error)

    def _stop_reading(self) -> None:
        # Cancelling the read also gives the channel up (channels_redis unsubscribes it).
        if self._reader is not None:
            self._reader.cancel()
        self._reader = None
        self.channel_name = None
        self.subscriptions.clear()

    async def _read(self, channel_name: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("Reading live updates failed, trying again: %r", error)
                await asyncio.sleep(READ_RETRY_SECONDS)
                continue
            await self._fan_out(message)

    async def _fan_out(self, message: dict) -> None:
        if message.get("batch") is not None:  # events published together (ideas/broadcasts.py `batched`)
            for part in message["batch"]:
                await self._fan_out(part)
            return
        groups, text = message.get("groups"), message.get("text")
        if groups is None and message.get("group") is not None:
            groups = (message["group"],)
        if not groups or text is None:
            logger.warning("Live update without group or text dropped: %s", message.get("type"))
            return
        for group in groups:
            for listener in tuple(self.listeners.get(group, ())):
                try:
                    await listener.deliver(text)
                except Exception as error:
                    logger.info("Live update not delivered to %r: %r", listener, error)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def current_hub() -> Hub:
    """The hub of the running event loop, for the default channel layer."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:  # first use on this loop, or tests swapped the layer
        hub = _hubs[loop] = Hub(layer)
    return hub
