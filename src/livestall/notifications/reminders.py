"""Show reminders: a viewer's "remind me" on an upcoming show, and which shows still owe their reminder."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.errors import Conflict
from livestall.notifications.models import NotificationJob, ShowReminder


async def do_remind(*, session: AsyncSession, user: User, show) -> None:
    """Remind `user` when the show starts (asking twice is the same as once)."""
    if show.status != "scheduled":
        raise Conflict.field("show_id", "upcoming_show", f"the show is {show.status}, not upcoming")
    if await session.get(ShowReminder, (user.id, show.id)) is None:
        session.add(ShowReminder(user_id=user.id, show_id=show.id))
        await session.flush()


async def do_forget(*, session: AsyncSession, user: User, show) -> None:
    """Drop the user's reminder of a show."""
    await session.execute(delete(ShowReminder).where(ShowReminder.user_id == user.id,
                                                     ShowReminder.show_id == show.id))


async def list_reminded_ids(*, session: AsyncSession, user: User | None, show_ids: list[int]) -> set[int]:
    """Which of these shows the user asked to be reminded of."""
    if user is None or not show_ids:
        return set()
    rows = await session.scalars(select(ShowReminder.show_id).where(ShowReminder.user_id == user.id,
                                                                   ShowReminder.show_id.in_(show_ids)))
    return set(rows)


def reminder_owed(show_id) -> ColumnElement[bool]:
    """Whether the show whose id is the column `show_id` has reminders and no reminder fan-out yet."""
    has_reminders = exists().where(ShowReminder.show_id == show_id)
    has_job = exists().where(NotificationJob.show_id == show_id, NotificationJob.kind == "reminder")
    return has_reminders & ~has_job
