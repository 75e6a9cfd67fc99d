"""The room part for the shelf: the show's pinned products in the join snapshot."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.orders.shelf import get_shelf_view
from livestall.shows.models import Show


class ShelfPart:
    """The pinned products, priced for the room (`pin.changed` events keep it current afterwards)."""

    name = "shelf"

    def __init__(self, fx_per_usd: dict[str, float]) -> None:
        self.fx_per_usd = fx_per_usd

    async def snapshot(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        return {"shelf": await get_shelf_view(session=session, show_id=show.id, fx_per_usd=self.fx_per_usd)}
