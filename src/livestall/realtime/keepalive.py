"""Room sockets whose keepalive pings wait out a storm of taps.

At 15,000 viewers a ping every 20 s is 750 pings a second, each with a pong to read back: several percent of the
one core that, in an auction's last seconds, answers thousands of bids a second. A socket that died meanwhile can
wait to be found until the storm is over (at most `Hub.ping_hold_s` longer); the pings held back then go out spread
over half an interval, not all at once as the hammer falls."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection

if TYPE_CHECKING:
    from livestall.realtime.hub import Hub


class RoomSocket(ServerConnection):
    """A room's WebSocket connection: its keepalive ping is held while the hub's room is in a storm of taps."""

    def __init__(self, *args: Any, hub: Hub, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hub = hub

    async def ping(self, data: Any = None) -> Any:
        # The keepalive's own ping carries no data; a caller's ping goes at once.
        if data is None and self.ping_interval and not self.hub.calm.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.hub.ping_hold_s):
                    while not self.hub.calm.is_set():  # a storm that comes back holds the ping again
                        await self.hub.calm.wait()
                        await asyncio.sleep(random.uniform(0.0, self.ping_interval / 2))
        return await super().ping(data)
