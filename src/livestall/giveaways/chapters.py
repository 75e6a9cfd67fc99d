"""Replay chapters for giveaways: each one at the moment it started, e.g. "Giveaway: Lucky bag"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.giveaways.models import Giveaway


async def giveaway_chapters(*, session: AsyncSession, show_id: int,
                            position_of: Callable[[datetime], float | None]) -> list[dict]:
    """One chapter per giveaway of the show that was not called off; moments not recorded are left out."""
    rows = await session.execute(select(Giveaway.id, Giveaway.title, Giveaway.starts_at).where(
        Giveaway.show_id == show_id, Giveaway.status != "cancelled").order_by(Giveaway.id))
    chapters = []
    for giveaway_id, title, starts_at in rows:
        at = position_of(starts_at)
        if at is not None:
            chapters.append({"at_s": round(at, 1), "kind": "giveaway", "title": title, "giveaway_id": giveaway_id})
    return chapters
