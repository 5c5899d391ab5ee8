"""Websocket endpoints: a list page hears vote counts, an idea page hears votes and comments.

Live updates are an extra: with the channel layer's Redis unreachable, a new socket is refused with
close code 1013 ("try again later"), and the page's script reconnects with back-off; sockets that were
open keep their subscriptions, which redis-py renews when Redis answers again (tests/cocreate/
test_redis_outage.py). While the breaker of ideas/broadcasts.py is open new sockets are refused at
once, without waiting for Redis.
"""

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from redis.exceptions import RedisError

from cocreate.breaker import breaker

from . import broadcasts
from .models import Idea

logger = logging.getLogger(__name__)

TRY_AGAIN_LATER = 1013  # RFC 6455's close code for a temporary server condition

# What the channel layer raises when its Redis is unreachable or too slow.
LAYER_ERRORS = (RedisError, OSError, TimeoutError)


class _EventConsumer(AsyncJsonWebsocketConsumer):
    groups_to_join: list[str]

    async def __call__(self, scope, receive, send):
        layer_breaker = breaker(broadcasts.CHANNEL_LAYER_BREAKER)
        if not layer_breaker.allow():
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
            return
        try:
            await super().__call__(scope, receive, send)
        except LAYER_ERRORS as error:
            # Joining the layer failed (new_channel or group_add): refuse, rather than end the socket
            # with an application error; the client tries again with back-off.
            layer_breaker.failed(error)
            logger.warning("Websocket refused, the channel layer is unavailable: %r", error)
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})

    async def disconnect(self, code):
        for group in getattr(self, "groups_to_join", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except LAYER_ERRORS as error:  # the socket is gone either way
                logger.warning("Leaving group %s failed: %r", group, error)

    async def join(self, groups: list[str]):
        self.groups_to_join = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        breaker(broadcasts.CHANNEL_LAYER_BREAKER).succeeded()
        await self.accept()

    async def receive_json(self, content, **kwargs):
        # Clients only listen; writes go through HTTP so they share validation and permissions.
        pass

    async def dispatch(self, message):
        # A live update is the one message a socket gets many of (every vote of the group): send its
        # pre-encoded text straight away. channels' own dispatch would first run close_old_connections
        # through sync_to_async for it (a hop to the one thread-sensitive executor thread, per message
        # and per socket), which only matters to handlers that use the database; this one does not.
        if message["type"] == "community.event":
            await self.community_event(message)
        else:
            await super().dispatch(message)

    async def community_event(self, message):
        text = message.get("text")
        if text is None:  # a message without its pre-encoded text (sent by an older process)
            await self.send_json(message["event"])
        else:
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
        await self.join([broadcasts.idea_group(idea_id)])

    @database_sync_to_async
    def _can_see(self, idea_id: int) -> bool:
        return Idea.objects.visible_to(self.scope.get("user")).filter(pk=idea_id).exists()
