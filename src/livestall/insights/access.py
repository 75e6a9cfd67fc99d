"""Who may read which figures: operators read everything, a seller their own shops', a host their own shows'."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import ShopMember
from livestall.errors import Forbidden
from livestall.shows.models import Show

OPERATOR = "operator"


async def list_member_shop_ids(*, session: AsyncSession, user: User) -> list[int]:
    """The shops the user owns or staffs."""
    return list((await session.scalars(select(ShopMember.shop_id).where(ShopMember.user_id == user.id)
                                       .order_by(ShopMember.shop_id))).all())


async def check_shop_figures(*, session: AsyncSession, shop_id: int, user: User) -> None:
    """Forbidden unless the user runs the shop or is an operator."""
    if user.has_role(OPERATOR) or shop_id in await list_member_shop_ids(session=session, user=user):
        return
    raise Forbidden("these are another shop's figures")


async def check_show_figures(*, session: AsyncSession, show: Show, user: User) -> None:
    """Forbidden unless the user hosts the show, runs its shop, or is an operator."""
    if show.host_id == user.id:
        return
    await check_shop_figures(session=session, shop_id=show.shop_id, user=user)


def check_host_figures(*, host_id: int, user: User) -> None:
    """Forbidden unless the user is that host or an operator."""
    if host_id != user.id and not user.has_role(OPERATOR):
        raise Forbidden("these are another host's figures")
