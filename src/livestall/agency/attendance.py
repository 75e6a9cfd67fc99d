"""Attendance from facts: each booking held against the show's publish sessions (late, short, no-show)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.agency.models import Booking
from livestall.db import utcnow
from livestall.media.models import StreamSession
from livestall.shows.models import Show

LATE_AFTER = timedelta(minutes=5)  # grace before a start counts as late
SHORT_BELOW = 0.8  # streamed less than this share of the booked time counts as short


class AttendanceRead(BaseModel):
    booking_id: int
    show_id: int
    host_id: int
    booked_start: datetime
    booked_end: datetime
    actual_start: datetime | None
    actual_end: datetime | None
    streamed_minutes: int
    late_minutes: int
    late: bool
    short: bool
    no_show: bool
    settled: bool  # the booked time (or the show) is over, so the flags are final


def attendance_of(booking: Booking, show: Show | None, sessions: list[StreamSession],
                  now: datetime) -> AttendanceRead:
    """The attendance of one booking, from the publish sessions of its show."""
    show_over = show is not None and show.status in ("ended", "cancelled")
    ends = [s.ended_at or (show.ended_at if show_over and show else None) or now for s in sessions]
    streamed = sum(((end - s.started_at) for s, end in zip(sessions, ends, strict=True)), timedelta())
    actual_start = min((s.started_at for s in sessions), default=None)
    actual_end = max(ends, default=None) if sessions and all(s.ended_at for s in sessions) else None
    settled = show_over or now >= booking.ends_at
    late_by = max(timedelta(), (actual_start or now) - booking.starts_at)
    booked = booking.ends_at - booking.starts_at
    no_show = settled and not sessions
    return AttendanceRead(
        booking_id=booking.id, show_id=booking.show_id, host_id=booking.host_id, booked_start=booking.starts_at,
        booked_end=booking.ends_at, actual_start=actual_start, actual_end=actual_end,
        streamed_minutes=int(streamed.total_seconds() // 60), late_minutes=int(late_by.total_seconds() // 60),
        late=late_by > LATE_AFTER and (actual_start is not None or settled),
        short=bool(sessions) and settled and streamed < booked * SHORT_BELOW, no_show=no_show, settled=settled)


async def get_attendance(*, session: AsyncSession, bookings: list[Booking],
                         now: datetime | None = None) -> list[AttendanceRead]:
    """Attendance of each booking, in the order given."""
    if not bookings:
        return []
    show_ids = {b.show_id for b in bookings}
    sessions = list(await session.scalars(select(StreamSession).where(StreamSession.show_id.in_(show_ids))
                                          .order_by(StreamSession.started_at)))
    shows = {s.id: s for s in await session.scalars(select(Show).where(Show.id.in_(show_ids)))}
    moment = now or utcnow()
    return [attendance_of(b, shows.get(b.show_id), [s for s in sessions if s.show_id == b.show_id], moment)
            for b in bookings]
