"""Typed room events, and publish_on_commit: events leave only after their transaction commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

PENDING_KEY = "livestall.pending_events"
PUBLISHER_KEY = "livestall.publisher"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in a show, for everyone in its room: `type` names it, `data` is JSON."""

    show_id: int
    type: str
    data: dict[str, Any] = field(default_factory=dict)


Publisher = Callable[[Event], None]


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
