"""Following hosts and shops."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import Follow, User
from livestall.catalog.models import Shop
from livestall.errors import NotFound


async def _check_target(session: AsyncSession, kind: str, target_id: int) -> None:
    if kind == "shop":
        exists = await session.get(Shop, target_id) is not None
    else:
        user = await session.get(User, target_id)
        exists = user is not None and (user.has_role("host") or user.has_role("seller"))
    if not exists:
        raise NotFound(f"no {kind} {target_id}")


async def do_follow(*, session: AsyncSession, user: User, kind: str, target_id: int) -> None:
    """Follow a host or a shop (following twice is the same as once)."""
    await _check_target(session, kind, target_id)
    if await session.get(Follow, (user.id, kind, target_id)) is None:
        session.add(Follow(follower_id=user.id, kind=kind, target_id=target_id))
        await session.flush()


async def do_unfollow(*, session: AsyncSession, user: User, kind: str, target_id: int) -> None:
    """Stop following a host or a shop."""
    await session.execute(delete(Follow).where(Follow.follower_id == user.id, Follow.kind == kind,
                                               Follow.target_id == target_id))


async def list_following(*, session: AsyncSession, user: User) -> list[Follow]:
    """What the user follows, newest first."""
    rows = await session.scalars(select(Follow).where(Follow.follower_id == user.id)
                                 .order_by(Follow.created_at.desc()))
    return list(rows)


async def count_followers(*, session: AsyncSession, kind: str, target_id: int) -> int:
    """How many users follow a host or a shop."""
    return await session.scalar(select(func.count()).select_from(Follow)
                                .where(Follow.kind == kind, Follow.target_id == target_id)) or 0
