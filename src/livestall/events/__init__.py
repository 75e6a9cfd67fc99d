"""Typed room events, and publish_on_commit: events leave only after their transaction commits.

Every event type is declared once, with its payload schema, in `livestall.events.catalog`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

PENDING_KEY = "livestall.pending_events"
PUBLISHER_KEY = "livestall.publisher"

# Read from the environment at import, not from Settings: the Event class is shaped by it. The test
# servers turn it on, so that an undeclared type or a payload its schema refuses fails where it is made;
# off (production), an Event costs nothing more than its three fields.
STRICT = os.environ.get("LIVESTALL_STRICT_EVENTS", "").lower() in ("1", "true", "yes")


def check_event(type: str, data: Any) -> None:
    """Raise UndeclaredEvent unless `type` is a declared room event and `data` fits its schema."""
    from livestall.events.catalog import ROOM_EVENTS  # the schemas load only where events are checked

    ROOM_EVENTS.check(type, data)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in a show, for everyone in its room: `type` names it, `data` is JSON.

    `at` is set on what the host does on camera (a pin, a flash sale starting, an opening's result, a
    question answered): the server time in epoch milliseconds, so that each viewer's player can show it
    when its video reaches that moment (docs/protocol.md, "In step with the picture")."""

    show_id: int
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    at: int | None = None

    if STRICT:
        def __post_init__(self) -> None:
            check_event(self.type, self.data)


Publisher = Callable[[Event], None]


def on_camera(moment: datetime) -> int:
    """A moment as an event's `at`: epoch milliseconds (naive datetimes are UTC, as the database keeps them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def publish_on_commit(session: AsyncSession | Session, event: Event) -> None:
    """Queue `event` to be published when `session` commits; dropped if it rolls back."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(PENDING_KEY, []).append(event)


@sa_event.listens_for(Session, "after_commit")
def _publish_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    publisher: Publisher | None = session.info.get(PUBLISHER_KEY)
    if pending and publisher is not None:
        for ev in pending:
            publisher(ev)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction) -> None:
    session.info.pop(PENDING_KEY, None)
