"""Following a host or a shop: what may be followed (shops are the catalog's, hosts are users), and the follow."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.follows import is_following
from livestall.accounts.models import Follow, User
from livestall.catalog.models import Shop
from livestall.errors import NotFound


async def get_target(*, session: AsyncSession, kind: str, target_id: int) -> Shop | User:
    """The shop, or the host (a user who hosts or sells), that one may follow; NotFound otherwise."""
    if kind == "shop":
        target = await session.get(Shop, target_id)
    else:
        target = await session.get(User, target_id)
        if target is not None and not (target.has_role("host") or target.has_role("seller")):
            target = None
    if target is None:
        raise NotFound(f"no {kind} {target_id}")
    return target


async def do_follow(*, session: AsyncSession, user: User, kind: str, target_id: int) -> None:
    """Follow a host or a shop (following twice is the same as once)."""
    await get_target(session=session, kind=kind, target_id=target_id)
    if not await is_following(session=session, user_id=user.id, kind=kind, target_id=target_id):
        session.add(Follow(follower_id=user.id, kind=kind, target_id=target_id))
        await session.flush()
