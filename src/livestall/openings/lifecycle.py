"""Hooks the openings into the live room: the join snapshot's lots and places, and private place frames."""

from __future__ import annotations

from contextlib import asynccontextmanager

from livestall.openings import service
from livestall.openings.places import private_places


async def openings_state(session, show, principal) -> dict:
    """The join snapshot's part: the show's lots, their line, and the viewer's own places."""
    lots = await service.list_lots(session=session, show_id=show.id)
    places = await service.get_places(session=session, show_id=show.id, user_id=principal.id) if principal else []
    return {"openings": {"lots": [{**service.lot_view(lot), "queue": await service.queue_counts(session, lot)}
                                  for lot in lots], "places": places}}


@asynccontextmanager
async def openings_room(app):
    """For the app's lifetime: add the openings to every join snapshot, and send places privately."""
    room = getattr(app.state, "room_handler", None)
    gateway = getattr(app.state, "gateway", None)
    if room is not None:
        room.state_providers.append(openings_state)
    publish = app.state.publish
    if gateway is not None:
        app.state.publish = private_places(publish, gateway.send_to_user)
    try:
        yield
    finally:
        if gateway is not None:
            app.state.publish = publish
