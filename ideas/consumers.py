"""Websocket endpoints: a list page hears vote counts, an idea page hears votes and comments.

A socket has no channel of its own: it listens to its group through the process's hub
(cocreate/hub.py), which holds one subscription per group for all the process's sockets and hands
them each event's pre-encoded text. An idea page also hears through the list's group, where votes
are published once for both.

Live updates are an extra: with the channel layer's Redis unreachable, a new socket is refused with
close code 1013 ("try again later"), and the page's script reconnects with back-off; sockets that were
open keep their subscriptions, which redis-py renews when Redis answers again (tests/cocreate/
test_redis_outage.py). While the breaker of ideas/broadcasts.py is open new sockets are refused at
once, without waiting for Redis.
"""

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from redis.exceptions import RedisError

from cocreate.breaker import breaker
from cocreate.hub import current_hub

from . import broadcasts
from .models import Idea

logger = logging.getLogger(__name__)

TRY_AGAIN_LATER = 1013  # RFC 6455's close code for a temporary server condition

# What the channel layer raises when its Redis is unreachable or too slow.
LAYER_ERRORS = (RedisError, OSError, TimeoutError)


class _EventConsumer(AsyncWebsocketConsumer):
    # No channel per socket (get_channel_layer returns None for an alias that is not configured): the
    # socket hears its groups through the hub, and channels' consumer only waits for the client.
    channel_layer_alias = None
    groups_to_join: list[str]

    async def __call__(self, scope, receive, send):
        layer_breaker = breaker(broadcasts.CHANNEL_LAYER_BREAKER)
        if not layer_breaker.allow():
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
            return
        try:
            await super().__call__(scope, receive, send)
        except LAYER_ERRORS as error:
            # Joining the layer failed (the hub's new_channel or group_add): refuse, rather than end
            # the socket with an application error; the client tries again with back-off.
            layer_breaker.failed(error)
            logger.warning("Websocket refused, the channel layer is unavailable: %r", error)
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})

    async def join(self, groups: list[str], *, through: tuple[str, ...] = ()):
        hub = current_hub()
        joined = []
        try:
            for group in groups:
                await hub.join(group, self, through=through)
                joined.append(group)
        except BaseException:
            for group in joined:
                await hub.leave(group, self)
            raise
        self.groups_to_join = groups
        breaker(broadcasts.CHANNEL_LAYER_BREAKER).succeeded()
        await self.accept()

    async def disconnect(self, code):
        hub = current_hub()
        for group in getattr(self, "groups_to_join", []):
            await hub.leave(group, self)

    async def receive(self, text_data=None, bytes_data=None):
        # Clients only listen; writes go through HTTP so they share validation and permissions.
        pass

    async def deliver(self, text: str) -> None:
        """One event for this socket, as the JSON text encoded once for every listener
        (ideas/broadcasts.py `event_message`); called by the hub."""
        await self.send(text_data=text)


class IdeaListConsumer(_EventConsumer):
    async def connect(self):
        await self.join([broadcasts.IDEA_LIST_GROUP])


class IdeaConsumer(_EventConsumer):
    async def connect(self):
        idea_id = self.scope["url_route"]["kwargs"]["idea_id"]
        if not await self._can_see(idea_id):
            await self.close(code=4404)
            return
        # Its votes are published to the list's group only (ideas/broadcasts.py).
        await self.join([broadcasts.idea_group(idea_id)], through=broadcasts.IDEA_PAGE_HEARS_THROUGH)

    @database_sync_to_async
    def _can_see(self, idea_id: int) -> bool:
        return Idea.objects.visible_to(self.scope.get("user")).filter(pk=idea_id).exists()
