"""What a room part is: the contract each area's contribution to the show's room fulfils.

A part is any object with some of these attributes; the room reads each with a default, so an area
writes its part without importing anything from here (live/ imports the areas, never the reverse):

- `name`: a short word for logs and errors.
- `frames`: frame type -> `async handler(ctx: FrameContext) -> dict | None` (the ack's data).
- `async snapshot(session, show, None) -> dict`: keys merged into the join state every viewer shares. It is
  built once for many joiners (live/snapshots.py), so it never depends on who is joining.
- `keeps`: event type -> `keep(state, data)`: how one of the part's events changes that shared state in
  place, applied in the order the events arrive. Any other event makes the next joiner wait for a fresh
  build.
- `async personal(session, show, principal) -> dict`: a logged-in viewer's own pieces, laid over the shared
  state one level deep (e.g. `{"openings": {"places": [...]}}`).
- `async admit(session, show, principal) -> None`: raise a DomainError to refuse a join (e.g. banned).
- `joined(show_id, conn)` / `left(show_id, conn)`: called on every join and leave; they must not block.
- `private`: event type -> `route(event, send_to_user)`: events that go to single viewers, never the room.
- `start()` / `async stop()`: background work the part runs while the room serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.events import Event
from livestall.settings import Settings


@dataclass(frozen=True, slots=True)
class Principal:
    """A logged-in user in a room: just what the room needs, detached from any session."""

    id: int
    name: str
    currency: str


@dataclass(slots=True)
class FrameContext:
    """One client frame being handled, with what its handler may use."""

    show_id: int
    principal: Principal
    frame: dict[str, Any]
    conn: Any
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    gateway: Any  # the realtime gateway: rate_limiter, send_to_user, disconnect_user

    def publish(self, type: str, data: dict[str, Any]) -> None:
        """Publish a room event now (for what is not written in a transaction, such as chat)."""
        self.gateway.publish(Event(self.show_id, type, data))
