"""Fan-out: a durable job per audience (a host's followers, a shop's followers, a show's reminders),
written in chunks of INSERT ... SELECT so that 100,000 followers never hold up the request that started
the show, and each follower gets exactly one notification even if a job restarts half-way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    String,
    and_,
    cast,
    false,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import JSON

from livestall.accounts.follows import followers_of
from livestall.accounts.models import Follow, User
from livestall.catalog.models import Shop
from livestall.db import insert_ignoring_conflicts, utcnow
from livestall.notifications.models import (
    DEFAULT_CHANNELS,
    EMAIL_BY_DEFAULT,
    Notification,
    NotificationJob,
    NotificationOutbox,
    NotificationSetting,
    PushSubscription,
    ShowReminder,
    default_channels,
)

N = Notification.__table__
S = NotificationSetting.__table__
O = NotificationOutbox.__table__
J = NotificationJob.__table__


async def show_data(session: AsyncSession, show) -> dict:
    """What a notification says about a show (handed in by the shows area), frozen at the time it is sent."""
    host = await session.get(User, show.host_id)
    shop = await session.get(Shop, show.shop_id)
    return {"title": show.title, "host_id": show.host_id, "host_name": host.display_name if host else "",
            "shop_id": show.shop_id, "shop_name": shop.name if shop else "",
            "scheduled_at": show.scheduled_at.isoformat()}


async def _add_job(session: AsyncSession, kind: str, show_id: int, source: str, data: dict) -> bool:
    found = await session.scalar(select(NotificationJob.id).where(
        NotificationJob.kind == kind, NotificationJob.show_id == show_id, NotificationJob.source == source))
    if found is not None:
        return False
    session.add(NotificationJob(kind=kind, show_id=show_id, source=source, data=data))
    return True


async def enqueue_go_live(session: AsyncSession, show) -> None:
    """Queue the go-live fan-out of a show: the host's and the shop's followers and those who asked to be reminded."""
    data = await show_data(session, show)
    for source in (f"host:{show.host_id}", f"shop:{show.shop_id}", "reminders"):
        await _add_job(session, "go_live", show.id, source, data)
    await session.flush()


async def enqueue_reminder(session: AsyncSession, show) -> None:
    """Queue the "about to start" fan-out of a show to those who asked to be reminded (once per show)."""
    await _add_job(session, "reminder", show.id, "reminders", await show_data(session, show))


def _audience(source: str, show_id: int):
    """The user ids of a job's audience, as one labelled column `uid`."""
    if source == "reminders":
        return select(ShowReminder.user_id.label("uid")).where(ShowReminder.show_id == show_id), ShowReminder.user_id
    kind, target = source.split(":")
    return followers_of(kind, int(target)), Follow.follower_id


def setting_of(channel: str, kind, uid):
    """The user's setting of `channel` for `kind` (a name, or a column of names), else the kind's default."""
    column = S.c[channel]
    if isinstance(kind, str):
        default = true() if default_channels(kind)[channel] else false()
    elif channel == "email":
        default = kind.in_(EMAIL_BY_DEFAULT)
    else:
        default = true() if DEFAULT_CHANNELS[channel] else false()
    return func.coalesce(select(column).where(S.c.user_id == uid, S.c.kind == kind).scalar_subquery(), default)


async def run_chunk(*, session: AsyncSession, job: NotificationJob, chunk: int, push: bool, email: bool,
                    now: datetime | None = None) -> int | None:
    """Write the next chunk of a job: its notifications, and the push and email they call for.

    Returns how many notifications were written, or None once the job is done. The cursor moves in the
    same transaction as the rows (and only if no other worker moved it first), so a crash or a second
    worker can never give anyone two.
    """
    now = now or utcnow()
    audience, uid = _audience(job.source, job.show_id)
    window = audience.where(uid > job.cursor).order_by(uid).limit(chunk).subquery()
    upper = await session.scalar(select(func.max(window.c.uid)))
    if upper is None:
        await session.execute(update(J).where(J.c.id == job.id).values(status="done", finished_at=now))
        return None
    in_range = audience.where(uid > job.cursor, uid <= upper).subquery()
    rows = select(in_range.c.uid, literal(job.kind), literal(job.show_id), literal(job.data, JSON),
                  setting_of("in_app", job.kind, in_range.c.uid), literal(now, N.c.created_at.type),
                  literal(now, N.c.dispatched_at.type)
                  ).where(true())  # SQLite reads INSERT ... SELECT ... ON CONFLICT right only after a WHERE
    # Someone following both the host and the shop is in two audiences: the unique key keeps it to one.
    # ON CONFLICT DO NOTHING: an index lookup per row whatever the planner's statistics say (a NOT EXISTS
    # anti-join on a table that just grew was planned as a scan per row on PostgreSQL).
    written = await session.execute(insert_ignoring_conflicts(session, N, ["show_id", "kind", "user_id"]).from_select(
        ["user_id", "kind", "show_id", "data", "in_app", "created_at", "dispatched_at"], rows))
    mine = and_(N.c.show_id == job.show_id, N.c.kind == job.kind, N.c.user_id > job.cursor, N.c.user_id <= upper)
    if email:
        await queue_outbox(session, now, "email", select(N.c.id.label("nid"), User.email.label("target"))
                           .join(User, User.id == N.c.user_id).where(mine, setting_of("email", job.kind, N.c.user_id)))
    if push:
        subs = PushSubscription.__table__
        await queue_outbox(session, now, "push", select(N.c.id.label("nid"), cast(subs.c.id, String).label("target"))
                           .join(subs, subs.c.user_id == N.c.user_id)
                           .where(mine, setting_of("push", job.kind, N.c.user_id)))
    moved = await session.execute(update(J).where(J.c.id == job.id, J.c.cursor == job.cursor)
                                  .values(cursor=upper, sent=J.c.sent + written.rowcount))
    if moved.rowcount != 1:
        raise RuntimeError(f"notification job {job.id} moved by another worker")
    return written.rowcount


async def queue_outbox(session: AsyncSession, now: datetime, channel: str, targets) -> None:
    """One outbox row per (notification id `nid`, `target`) of `targets`; one already queued stays as it was."""
    targets = targets.subquery()
    first, second = targets.c.nid, targets.c.target
    await session.execute(insert_ignoring_conflicts(session, O, ["notification_id", "channel", "target"]).from_select(
        ["notification_id", "channel", "target", "status", "attempts", "next_attempt_at"],
        select(first, literal(channel), second, literal("pending"), literal(0), literal(now, O.c.next_attempt_at.type))
        .where(true())))


async def run_pending_jobs(sessionmaker, *, chunk: int, push: bool, email: bool, budget: int = 50) -> int:
    """Advance every pending job by up to `budget` chunks in all, one transaction per chunk; notifications written."""
    total = 0
    async with sessionmaker() as session:
        ids = list(await session.scalars(select(NotificationJob.id).where(NotificationJob.status == "pending")
                                         .order_by(NotificationJob.id).limit(100)))
    for job_id in ids:
        while budget > 0:
            budget -= 1
            async with sessionmaker() as session:
                async with session.begin():
                    job = await session.get(NotificationJob, job_id)
                    if job is None or job.status != "pending":
                        break
                    written = await run_chunk(session=session, job=job, chunk=chunk, push=push, email=email)
            if written is None:
                break
            total += written
    return total
