"""The room part for openings: the show's lots and the viewer's places on joining; places sent privately."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.events import Event
from livestall.openings import service
from livestall.openings.places import PLACE_FRAME, PLACES_EVENT
from livestall.shows.models import Show


def send_places(event: Event, send_to_user) -> None:
    """A place event names buyers: each gets their own places as a private frame, the room nothing."""
    lot_id = event.data["lot_id"]
    for user_id, places in event.data["users"].items():
        send_to_user(event.show_id, user_id, PLACE_FRAME, lot_id=lot_id, places=places)


class OpeningsPart:
    """The lots with their lines in the join snapshot, and each buyer's places as private frames."""

    name = "openings"
    private = {PLACES_EVENT: send_places}

    async def snapshot(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        lots = await service.list_lots(session=session, show_id=show.id)
        return {"openings": {"lots": [{**service.lot_view(lot), "queue": await service.queue_counts(session, lot)}
                                      for lot in lots], "places": []}}

    async def personal(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        return {"openings": {"places": await service.get_places(session=session, show_id=show.id,
                                                                user_id=principal.id)}}
