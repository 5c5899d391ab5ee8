"""Websocket endpoints: a list page hears vote counts, an idea page hears votes and comments."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import broadcasts
from .models import Idea


class _EventConsumer(AsyncJsonWebsocketConsumer):
    groups_to_join: list[str]

    async def disconnect(self, code):
        for group in getattr(self, "groups_to_join", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def join(self, groups: list[str]):
        self.groups_to_join = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def receive_json(self, content, **kwargs):
        # Clients only listen; writes go through HTTP so they share validation and permissions.
        pass

    async def community_event(self, message):
        await self.send_json(message["event"])


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
