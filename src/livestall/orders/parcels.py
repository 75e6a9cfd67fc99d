"""Parcels, the shop's side of shipping: the parcels to pack (a buyer's paid orders combined, orders/combined.py),
their packing lists, shipping a parcel with one tracking number, and the carrier of a shipped order.

An order paid before combined shipping existed, or paid outside it, is packed on a slip of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product
from livestall.errors import Conflict, Invalid, NotFound
from livestall.db import utcnow
from livestall.orders import service
from livestall.orders.models import MONEY_IN, Order
from livestall.orders.parcel_models import Parcel, ParcelOrder
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


@dataclass(frozen=True)
class ParcelToPack:
    """An open parcel: where it goes, its paid orders with their products' titles, and its shipping fee."""

    parcel: Parcel
    orders: list[Order]
    titles: dict[int, str]
    buyer_language: str

    @property
    def items_minor(self) -> int:
        return sum(order.total_minor for order in self.orders)

    @property
    def ship_to(self) -> dict:
        return self.orders[0].shipping if self.orders else {}


async def get_parcel(*, session: AsyncSession, parcel_id: int, shop_id: int) -> Parcel:
    """The shop's parcel with this id; another shop's is as unknown as one that does not exist."""
    parcel = await session.get(Parcel, parcel_id)
    if parcel is None or parcel.shop_id != shop_id:
        raise NotFound(f"no parcel {parcel_id} in this shop")
    return parcel


async def list_parcels(*, session: AsyncSession, shop_id: int, show_id: int | None = None,
                       parcel_ids: list[int] | None = None) -> list[ParcelToPack]:
    """The shop's open parcels with paid orders to pack (of one show, or the ones named), oldest first."""
    query = select(Parcel).where(Parcel.shop_id == shop_id, Parcel.status == "open")
    if show_id is not None:
        query = query.where(Parcel.show_id == show_id)
    if parcel_ids:
        query = query.where(Parcel.id.in_(set(parcel_ids[:MAX_SLIPS])))
    parcels = list(await session.scalars(query.order_by(Parcel.id).limit(MAX_SLIPS)))
    if not parcels:
        return []
    rows = await session.execute(select(ParcelOrder.parcel_id, Order).join(Order, Order.id == ParcelOrder.order_id)
                                 .where(ParcelOrder.parcel_id.in_([p.id for p in parcels]), Order.status == "paid")
                                 .order_by(Order.id))
    by_parcel: dict[int, list[Order]] = {}
    for parcel_id, order in rows:
        by_parcel.setdefault(parcel_id, []).append(order)
    orders = [o for group in by_parcel.values() for o in group]
    titles = dict((await session.execute(select(Product.id, Product.title).where(
        Product.id.in_({o.product_id for o in orders})))).all()) if orders else {}
    languages = dict((await session.execute(select(User.id, User.language).where(
        User.id.in_({p.buyer_id for p in parcels})))).all())
    return [ParcelToPack(p, by_parcel[p.id], titles, languages.get(p.buyer_id) or "en")
            for p in parcels if p.id in by_parcel]


async def do_ship_parcel(*, session: AsyncSession, parcel: Parcel, tracking_number: str, carrier: str) -> list[Order]:
    """The shop sent a parcel: every paid order in it is shipped with the one tracking number; the parcel takes
    no more orders. Conflict when it left already or holds nothing to ship."""
    moved = await session.execute(update(Parcel.__table__).where(Parcel.id == parcel.id, Parcel.status == "open")
                                  .values(status="shipped", open_key=None, tracking_number=tracking_number,
                                          carrier=carrier or None, shipped_at=utcnow()))
    if moved.rowcount != 1:
        raise Conflict.field("parcel", "open_parcel", "this parcel was shipped already")
    orders = list(await session.scalars(select(Order).join(ParcelOrder, ParcelOrder.order_id == Order.id)
                                        .where(ParcelOrder.parcel_id == parcel.id, Order.status == "paid")
                                        .order_by(Order.id)))
    if not orders:
        raise Conflict.field("parcel", "something_to_ship", "nothing in this parcel is paid and waiting to ship")
    for order in orders:
        await service.do_ship(session=session, order=order, tracking_number=tracking_number)
        await do_record_carrier(session=session, order=order, carrier=carrier)
    await session.refresh(parcel)
    return orders
