"""Personal notifications: one user told about their own order, booking or opening ticket.

A hook writes the feed row in the caller's transaction (one small INSERT, nothing sent); the worker then
queues its push and email as the user's settings say, and the outbox sends them. So a payment never waits
on a mail server, and one rolled back tells nobody.
"""

from __future__ import annotations

import logging

from sqlalchemy import String, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.db import insert_ignoring_conflicts, utcnow
from livestall.notifications.fanout import queue_outbox, setting_of
from livestall.notifications.models import Notification, NotificationSetting, PushSubscription, default_channels

log = logging.getLogger("livestall.notifications")
N = Notification.__table__
SUBJECTS = ("order_id", "booking_id", "ticket_id")


async def _in_app(session: AsyncSession, user_id: int, kind: str) -> bool:
    chosen = await session.scalar(select(NotificationSetting.in_app).where(
        NotificationSetting.user_id == user_id, NotificationSetting.kind == kind))
    return default_channels(kind)["in_app"] if chosen is None else chosen


async def notify(session: AsyncSession, *, user_id: int | None, kind: str, subject: str, subject_id: int,
                 data: dict) -> None:
    """Tell one user, once per kind and thing (`subject` is "order_id", "booking_id" or "ticket_id").

    Whatever goes wrong here is logged and undone alone: telling someone must never fail what they were told of.
    """
    if user_id is None:
        return
    assert subject in SUBJECTS, subject
    await session.flush()  # the caller's own pending changes first: their errors stay theirs
    try:
        async with session.begin_nested():
            in_app = await _in_app(session, user_id, kind)
            # ON CONFLICT DO NOTHING: told once, even when two transactions race to tell.
            await session.execute(insert_ignoring_conflicts(session, N, [subject, "kind", "user_id"]).values(
                user_id=user_id, kind=kind, data=data, in_app=in_app, created_at=utcnow(), **{subject: subject_id}))
    except Exception:
        log.exception("could not write the %s notification of user %s", kind, user_id)


async def dispatch_personal(sessionmaker, *, push: bool, email: bool, limit: int = 500) -> int:
    """Queue the push and email of personal notifications not yet dispatched, per each user's settings, in one
    transaction; how many notifications were dispatched. A channel not configured gets nothing queued."""
    now = utcnow()
    async with sessionmaker() as session:
        async with session.begin():
            ids = list(await session.scalars(select(N.c.id).where(N.c.dispatched_at.is_(None))
                                             .order_by(N.c.id).limit(limit)))
            if not ids:
                return 0
            mine = N.c.id.in_(ids)
            if email:
                await queue_outbox(session, now, "email", select(N.c.id.label("nid"), User.email.label("target"))
                                   .join(User, User.id == N.c.user_id)
                                   .where(mine, setting_of("email", N.c.kind, N.c.user_id)))
            if push:
                subs = PushSubscription.__table__
                await queue_outbox(session, now, "push", select(N.c.id.label("nid"),
                                                                cast(subs.c.id, String).label("target"))
                                   .join(subs, subs.c.user_id == N.c.user_id)
                                   .where(mine, setting_of("push", N.c.kind, N.c.user_id)))
            # A second worker doing the same batch queues nothing twice (the outbox's unique key) and moves none.
            await session.execute(update(N).where(mine, N.c.dispatched_at.is_(None)).values(dispatched_at=now))
    return len(ids)
