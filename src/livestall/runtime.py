"""What one process runs (the database, media, rooms, the purchase writer, insights), built once by
bootstrap.py and reached by routes through one dependency, `RuntimeDep`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends
from starlette.requests import HTTPConnection

from livestall.events import Event
from livestall.media import hls_url_for
from livestall.realtime.config import ws_url
from livestall.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from livestall.insights.jobs import InsightsRuntime
    from livestall.live.room import LiveRoom
    from livestall.media.runtime import MediaManager
    from livestall.orders.batcher import PurchaseBatcher
    from livestall.accounts.token_cache import TokenCache
    from livestall.live.show_reads import ShowReads
    from livestall.orders.buying import BuyingDesk
    from livestall.orders.offers import OfferCache
    from livestall.realtime import RealtimeGateway


@dataclass
class Runtime:
    """One process's long-running parts; None for what did not start (e.g. in a test that builds less)."""

    settings: Settings
    engine: AsyncEngine | None = None
    sessionmaker: async_sessionmaker[AsyncSession] | None = None
    media: MediaManager | None = None
    room: LiveRoom | None = None
    gateway: RealtimeGateway | None = None
    offers: OfferCache | None = None
    purchases: PurchaseBatcher | None = None
    buying: BuyingDesk | None = None
    tokens: TokenCache | None = None
    reads: ShowReads | None = None
    insights: InsightsRuntime | None = None
    rooms_open: bool = False

    def publish(self, event: Event) -> None:
        """Hand a committed event to the rooms (dropped while they are not serving)."""
        if self.reads is not None:
            self.reads.heard(event)
        if self.rooms_open and self.room is not None:
            self.room.publish(event)

    def show_links(self, show: Any) -> tuple[str, str]:
        """Where to join a show's room and watch its video."""
        room = self.gateway.ws_url(show.id) if self.gateway is not None else ws_url(self.settings, show.id)
        return room, hls_url_for(show)


def get_runtime(connection: HTTPConnection) -> Runtime:
    """The process's runtime, for a request or a WebSocket."""
    return connection.app.state.runtime


async def runtime_dependency(connection: HTTPConnection) -> Runtime:
    """The runtime as a route dependency (async, so FastAPI does not hop to a worker thread for it)."""
    return connection.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_dependency)]
