"""Rows of the areas that call notifications (shows, agency, openings), read by table name: those areas import
notifications' hooks, so notifications never imports their models and the dependency keeps pointing one way."""

from __future__ import annotations

from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product, Shop, ShopMember

SHOWS = table("shows", column("id"), column("title"), column("shop_id"), column("scheduled_at"))
AGENCIES = table("agencies", column("id"), column("name"))
HOSTS = table("host_profiles", column("id"), column("user_id"), column("display_name"))
TICKETS = table("opening_tickets", column("id"), column("lot_id"), column("buyer_id"), column("status"),
                column("position"))


async def show_of(session: AsyncSession, show_id: int | None) -> dict:
    """A show's title, shop and start, or empty values when there is none."""
    if show_id is None:
        return {"title": "", "shop_id": None, "scheduled_at": None}
    row = (await session.execute(select(SHOWS.c.title, SHOWS.c.shop_id, SHOWS.c.scheduled_at)
                                 .where(SHOWS.c.id == show_id))).first()
    return {"title": row.title, "shop_id": row.shop_id, "scheduled_at": row.scheduled_at} if row else \
        {"title": "", "shop_id": None, "scheduled_at": None}


async def shop_name(session: AsyncSession, shop_id: int | None) -> str:
    """A shop's name ("" for none)."""
    return (await session.scalar(select(Shop.name).where(Shop.id == shop_id)) or "") if shop_id else ""


async def shop_owners(session: AsyncSession, shop_id: int | None) -> list[int]:
    """The user ids of a shop's owners (staff see orders too, but owners are the ones told)."""
    if shop_id is None:
        return []
    return list(await session.scalars(select(ShopMember.user_id).where(ShopMember.shop_id == shop_id,
                                                                       ShopMember.role == "owner")
                                      .order_by(ShopMember.user_id)))


async def product_title(session: AsyncSession, product_id: int) -> str:
    """A product's title."""
    return await session.scalar(select(Product.title).where(Product.id == product_id)) or ""


async def agency_name(session: AsyncSession, agency_id: int) -> str:
    """An agency's name."""
    return await session.scalar(select(AGENCIES.c.name).where(AGENCIES.c.id == agency_id)) or ""


async def host_of(session: AsyncSession, host_id: int) -> tuple[int | None, str]:
    """A host profile's user id (None without an account) and display name."""
    row = (await session.execute(select(HOSTS.c.user_id, HOSTS.c.display_name).where(HOSTS.c.id == host_id))).first()
    return (row.user_id, row.display_name) if row else (None, "")


async def first_in_line(session: AsyncSession, lot_id: int) -> tuple[int, int] | None:
    """The ticket opened next in a lot, as (ticket id, buyer id), or None when nobody waits."""
    row = (await session.execute(select(TICKETS.c.id, TICKETS.c.buyer_id).where(
        TICKETS.c.lot_id == lot_id, TICKETS.c.status == "queued").order_by(TICKETS.c.position).limit(1))).first()
    return (row.id, row.buyer_id) if row else None
