"""The room part that lets a shop's allowed websites open its shows' rooms (the socket's Origin check)."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.catalog.embed_origins import EmbedOrigin, origin_matches

KEEP_S = 5.0  # a crowd joining from one merchant's page asks once per show this often; a changed list counts soon
_shows = sa.table("shows", sa.column("id"), sa.column("shop_id"))  # catalog sits below shows: no import of it


class EmbedOriginsPart:
    """Tells the gateway which page origins a show's shop allows, besides the app's own."""

    name = "embed"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession] | None) -> None:
        self.sessionmaker = sessionmaker
        self._kept: dict[int, tuple[float, list[str]]] = {}

    def attach(self, gateway) -> None:
        gateway.origin_policy = self.allows

    async def allows(self, show_id: int, origin: str) -> bool:
        """Whether the shop of show `show_id` lists `origin` (a handshake from a site not allowed app-wide)."""
        kept = self._kept.get(show_id)
        if kept is None or kept[0] < time.monotonic():
            assert self.sessionmaker is not None
            async with self.sessionmaker() as session:
                rows = await session.scalars(
                    sa.select(EmbedOrigin.origin).join(_shows, _shows.c.shop_id == EmbedOrigin.shop_id)
                    .where(_shows.c.id == show_id))
                origins = list(rows)
            if len(self._kept) > 10_000:
                self._kept.clear()
            kept = self._kept[show_id] = (time.monotonic() + KEEP_S, origins)
        return origin_matches(origin, kept[1])
