"""The feed, unread counts, per-user channel settings, push subscriptions and follower profiles."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts import follows
from livestall.accounts.models import User
from livestall.catalog.models import Shop
from livestall.db import utcnow
from livestall.errors import Forbidden
from livestall.notifications.follows import get_target
from livestall.notifications.models import (
    KINDS,
    Notification,
    NotificationSetting,
    PushSubscription,
    default_channels,
)
from livestall.notifications.schemas import (
    Channels,
    NotificationSettingsIn,
    PushSubscriptionIn,
)
from livestall.webhooks.urls import check_url

FEED = (Notification.in_app.is_(True),)


async def list_feed(*, session: AsyncSession, user: User, unread_only: bool = False, page: int = 1,
                    per_page: int = 20) -> tuple[list[Notification], int]:
    """The user's feed, newest first."""
    query = select(Notification).where(Notification.user_id == user.id, *FEED)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(Notification.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total or 0


async def count_unread(*, session: AsyncSession, user: User) -> int:
    """How many notifications in the user's feed are unread (the badge)."""
    return await session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None), *FEED)) or 0


async def do_mark_read(*, session: AsyncSession, user: User, ids: list[int] | None = None) -> int:
    """Mark some (or all) of the user's notifications read; how many changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    result = await session.execute(query.values(read_at=utcnow()))
    return result.rowcount


def check_own_settings(*, user: User, user_id: int) -> None:
    """Notification settings are their own user's: anyone else, operators included, is refused."""
    if user.id != user_id:
        raise Forbidden.field("user_id", "own_settings", "you can only read and change your own notification "
                                                         "settings")


async def get_settings(*, session: AsyncSession, user_id: int) -> dict[str, Channels]:
    """The user's channels per kind, defaults filled in."""
    rows = {r.kind: r for r in await session.scalars(select(NotificationSetting).where(
        NotificationSetting.user_id == user_id))}
    return {kind: Channels(in_app=rows[kind].in_app, push=rows[kind].push, email=rows[kind].email)
            if kind in rows else Channels(**default_channels(kind)) for kind in KINDS}


async def do_update_settings(*, session: AsyncSession, user_id: int, settings_in: NotificationSettingsIn
                             ) -> dict[str, Channels]:
    """Set the channels of the kinds given; the others stay as they were."""
    for kind in KINDS:
        channels: Channels | None = getattr(settings_in, kind)
        if channels is None:
            continue
        row = await session.get(NotificationSetting, (user_id, kind))
        if row is None:
            row = NotificationSetting(user_id=user_id, kind=kind)
            session.add(row)
        row.in_app, row.push, row.email = channels.in_app, channels.push, channels.email
    await session.flush()
    return await get_settings(session=session, user_id=user_id)


async def do_subscribe_push(*, session: AsyncSession, user: User, sub_in: PushSubscriptionIn,
                            allow_private: bool) -> PushSubscription:
    """Remember a browser's push subscription (a browser that moves to another user moves with it)."""
    await check_url(sub_in.endpoint, allow_private=allow_private, field="endpoint")
    sub = await session.scalar(select(PushSubscription).where(PushSubscription.endpoint == sub_in.endpoint))
    if sub is None:
        sub = PushSubscription(endpoint=sub_in.endpoint)
        session.add(sub)
    sub.user_id, sub.p256dh, sub.auth = user.id, sub_in.keys.p256dh, sub_in.keys.auth
    await session.flush()
    return sub


async def do_unsubscribe_push(*, session: AsyncSession, user: User, endpoint: str | None) -> None:
    """Forget one of the user's push subscriptions, or all of them."""
    query = delete(PushSubscription).where(PushSubscription.user_id == user.id)
    if endpoint is not None:
        query = query.where(PushSubscription.endpoint == endpoint)
    await session.execute(query)


async def get_profile(*, session: AsyncSession, kind: str, target_id: int, viewer: User | None) -> dict:
    """A host's or a shop's name and follower count, and whether the caller follows it."""
    target = await get_target(session=session, kind=kind, target_id=target_id)
    name = target.name if isinstance(target, Shop) else target.display_name
    following = None
    if viewer is not None:
        following = await follows.is_following(session=session, user_id=viewer.id, kind=kind, target_id=target_id)
    return {"kind": kind, "id": target_id, "name": name, "following": following,
            "followers": await follows.count_followers(session=session, kind=kind, target_id=target_id)}
