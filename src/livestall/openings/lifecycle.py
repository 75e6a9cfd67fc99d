"""Hooks the openings into the live room: a viewer joining sees the lots and their own places in line."""

from __future__ import annotations

from contextlib import asynccontextmanager

from livestall.openings import service


async def openings_state(session, show, principal) -> dict:
    """The join snapshot's part: the show's lots, their line, and the viewer's own places."""
    lots = await service.list_lots(session=session, show_id=show.id)
    places = await service.get_places(session=session, show_id=show.id, user_id=principal.id) if principal else []
    return {"openings": {"lots": [{**service.lot_view(lot), "queue": await service.queue_counts(session, lot)}
                                  for lot in lots], "places": places}}


@asynccontextmanager
async def openings_room(app):
    """Add the openings to every room's join snapshot for the app's lifetime."""
    room = getattr(app.state, "room_handler", None)
    if room is not None:
        room.state_providers.append(openings_state)
    yield
