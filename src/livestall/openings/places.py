"""Each viewer's own place in line, sent privately to that viewer (never to the room) as the line moves."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.events import Event, publish_on_commit
from livestall.openings.models import OpeningLot, OpeningTicket

# Carried after commit like any room event, but the openings room part turns it into one private frame per
# buyer and the room never sees it (it names buyers).
PLACES_EVENT = "opening.places.private"
PLACE_FRAME = "opening.place"


async def places_by_buyer(session: AsyncSession, lot: OpeningLot) -> dict[int, list[dict]]:
    """The lot's waiting line as each buyer's own places (1 = next), in line order."""
    rows = await session.execute(select(OpeningTicket.id, OpeningTicket.buyer_id, OpeningTicket.position).where(
        OpeningTicket.lot_id == lot.id, OpeningTicket.status == "queued").order_by(OpeningTicket.position))
    places: dict[int, list[dict]] = {}
    for place, (ticket_id, buyer_id, position) in enumerate(rows.all(), start=1):
        places.setdefault(buyer_id, []).append({"ticket_id": ticket_id, "lot_id": lot.id, "position": position,
                                                "place": place})
    return places


async def tell_places(session: AsyncSession, lot: OpeningLot, *, only: Iterable[int] | None = None,
                      also: Iterable[int] = ()) -> None:
    """After commit, send each waiting buyer (or `only` these) their places; `also` these, even with none left."""
    places = await places_by_buyer(session, lot)
    users = set(only) if only is not None else set(places)
    users.update(also)
    if users:
        publish_on_commit(session, Event(lot.show_id, PLACES_EVENT, {
            "lot_id": lot.id, "users": {str(u): places.get(u, []) for u in sorted(users)}}))
