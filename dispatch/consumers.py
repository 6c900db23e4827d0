from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from govgrid import live
from govgrid.permissions import user_roles
from grids import selectors


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/dashboard/`: live hints for signed-in staff, scoped to their jurisdiction.

    Joins the user's own group and the group of each jurisdiction root; relays typed messages.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.groups_joined = await database_sync_to_async(self._groups_for)(user)
        if not self.groups_joined:
            await self.close(code=4403)
            return
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "groups": self.groups_joined})

    @staticmethod
    def _groups_for(user) -> list[str]:
        if not user_roles(user):
            return []
        roots = selectors.grid_roots(user=user).values_list("code", flat=True)
        return [live.user_group(user.pk)] + [live.grid_group(code) for code in roots]

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_message(self, event):
        await self.send_json(event["message"])
