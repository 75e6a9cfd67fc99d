"""The room part for likes: counted in memory, added to the show's total about once a second."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.errors import Invalid
from livestall.events import Event
from livestall.shows.models import Show

log = logging.getLogger("livestall.chat")
LIKES_FLUSH_S = 1.0


def keep_likes(state: dict[str, Any], data: dict[str, Any]) -> None:
    """A `likes` total applied to the kept join state (totals only grow: an older one changes nothing)."""
    state["show"]["likes"] = max(state["show"]["likes"], data["total"])


class LikesPart:
    """`like` frames; the total goes out as a `likes` event after each flush."""

    name = "likes"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self.frames = {"like": self.like}
        self.keeps = {"likes": keep_likes}
        self.gateway = None
        self._likes: dict[int, int] = {}
        self._task: asyncio.Task | None = None

    def attach(self, gateway) -> None:
        self.gateway = gateway

    def start(self) -> None:
        self._task = asyncio.create_task(self._flush_forever(), name="room-likes")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.flush()

    async def like(self, ctx) -> None:
        count = ctx.frame.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 50:
            raise Invalid.field("count", "range", "must be a whole number from 1 to 50")
        rate = await ctx.gateway.rate_limiter.hit(f"like:{ctx.show_id}:{ctx.principal.id}", limit=100, window_s=10,
                                                  cost=count)
        if rate.allowed:  # excess likes are simply not counted
            self._likes[ctx.show_id] = self._likes.get(ctx.show_id, 0) + count
        return None

    async def flush(self) -> None:
        """Add this process's likes to each show's total (the row holds the sum over every process)."""
        pending, self._likes = self._likes, {}
        if not pending:
            return
        async with self.sessionmaker() as session, session.begin():
            for show_id, n in pending.items():
                total = await session.scalar(update(Show).where(Show.id == show_id)
                                             .values(likes=Show.likes + n).returning(Show.likes))
                if total is not None and self.gateway is not None:
                    self.gateway.publish(Event(show_id, "likes", {"total": total}))

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(LIKES_FLUSH_S)
            try:
                await self.flush()
            except Exception:
                log.exception("likes flush failed")
