"""Parcels, the shop's side of shipping: the carrier of a shipped order, the orders to pack and their slips.

A parcel is one order for now: a slip per order, each to its buyer's address.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product
from livestall.errors import Conflict, Invalid, NotFound
from livestall.orders.models import MONEY_IN, Order
from livestall.shows.models import Show

MAX_SLIPS = 200  # one print run; a bigger show prints in several


@dataclass(frozen=True)
class Slip:
    """What a packing slip shows of one order: the order, what is in the parcel, and the buyer's language."""

    order: Order
    product_title: str
    buyer_language: str


@dataclass(frozen=True)
class ShowToPack:
    """A show (or none: orders made outside a show) with paid orders that are not shipped yet."""

    show_id: int | None
    title: str
    orders: int


async def do_record_carrier(*, session: AsyncSession, order: Order, carrier: str) -> Order:
    """Keep who carries a shipped order's parcel (empty: not said)."""
    order.carrier = carrier or None
    await session.flush()
    return order


async def list_shows_to_pack(*, session: AsyncSession, shop_id: int) -> list[ShowToPack]:
    """The shop's shows with paid, unshipped orders, and how many each, the latest show first."""
    rows = (await session.execute(
        select(Order.show_id, Show.title, func.count()).outerjoin(Show, Show.id == Order.show_id)
        .where(Order.shop_id == shop_id, Order.status == "paid").group_by(Order.show_id, Show.title)
        .order_by(Order.show_id.desc()))).all()
    return [ShowToPack(show_id, title or "", count) for show_id, title, count in rows]


async def list_slips(*, session: AsyncSession, shop_id: int, order_ids: list[int] | None = None,
                     show_id: int | None = None) -> list[Slip]:
    """The packing slips of the given orders of the shop; without ids, of every paid, unshipped order
    (of one show when `show_id` is given), oldest first: the order they were bought in."""
    query = select(Order).where(Order.shop_id == shop_id)
    if order_ids:
        if len(order_ids) > MAX_SLIPS:
            raise Invalid.field("order", "max_slips", f"at most {MAX_SLIPS} orders at once")
        query = query.where(Order.id.in_(set(order_ids)))
    else:
        query = query.where(Order.status == "paid")
        if show_id is not None:
            query = query.where(Order.show_id == show_id)
    orders = list(await session.scalars(query.order_by(Order.id).limit(MAX_SLIPS)))
    if order_ids:
        missing = set(order_ids) - {o.id for o in orders}
        if missing:  # another shop's order is as unknown as one that does not exist
            raise NotFound(f"no order {min(missing)} in this shop")
        unpaid = [o for o in orders if o.status not in MONEY_IN]
        if unpaid:
            raise Conflict.field("order", "paid_to_pack", f"order {unpaid[0].ref} is {unpaid[0].status}: "
                                 "only paid orders are packed")
    titles = dict((await session.execute(select(Product.id, Product.title).where(
        Product.id.in_({o.product_id for o in orders})))).all()) if orders else {}
    languages = dict((await session.execute(select(User.id, User.language).where(
        User.id.in_({o.buyer_id for o in orders})))).all()) if orders else {}
    return [Slip(o, titles.get(o.product_id, ""), languages.get(o.buyer_id) or "en") for o in orders]
