"""Shows viewers asked to be reminded of: a viewer's list, and those about to start, told to notifications once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.notifications import hooks as notification_hooks
from livestall.notifications.models import ShowReminder
from livestall.notifications.reminders import reminder_owed
from livestall.shows.models import Show


async def tell_starting_soon(*, session: AsyncSession, now: datetime, lead: timedelta, limit: int = 200) -> int:
    """Queue "about to start" reminders for scheduled shows starting within `lead`; how many were queued."""
    shows = list(await session.scalars(select(Show).where(
        Show.status == "scheduled", Show.scheduled_at <= now + lead, reminder_owed(Show.id)).limit(limit)))
    for show in shows:
        await notification_hooks.on_show_starting_soon(session, show)
    await session.flush()
    return len(shows)


async def list_reminded_shows(*, session: AsyncSession, user: User) -> list[Show]:
    """The upcoming shows the user asked to be reminded of, soonest first."""
    rows = await session.scalars(select(Show).join(ShowReminder, ShowReminder.show_id == Show.id)
                                 .where(ShowReminder.user_id == user.id, Show.status.in_(("scheduled", "live")))
                                 .order_by(Show.scheduled_at))
    return list(rows)
