"""Following hosts and shops: who follows whom, asked in one place by every area (following one, which checks
that the shop or host exists, is notifications/follows.py: shops are the catalog's)."""

from __future__ import annotations

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import Follow, User


async def is_following(*, session: AsyncSession, user_id: int, kind: str, target_id: int) -> bool:
    """Whether the user follows this host or shop."""
    return await session.get(Follow, (user_id, kind, target_id)) is not None


async def list_followed(*, session: AsyncSession, user_id: int, host_id: int, shop_id: int) -> set[str]:
    """Which of a show's host and shop the user follows: a subset of {"host", "shop"}."""
    rows = await session.scalars(select(Follow.kind).where(
        Follow.follower_id == user_id,
        ((Follow.kind == "host") & (Follow.target_id == host_id))
        | ((Follow.kind == "shop") & (Follow.target_id == shop_id))))
    return set(rows)


def followers_of(kind: str, target_id: int) -> Select:
    """The ids of a host's or a shop's followers, as one column `uid` (a query to count, page or fan out)."""
    return select(Follow.follower_id.label("uid")).where(Follow.kind == kind, Follow.target_id == target_id)


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
    count = followers_of(kind, target_id).with_only_columns(func.count(), maintain_column_froms=True)
    return await session.scalar(count) or 0
