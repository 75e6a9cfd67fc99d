"""Festivals: create and change them, their participating shops and their festival prices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product, Shop
from livestall.db import get_or_404, insert_ignoring_conflicts, utcnow
from livestall.errors import Conflict, Forbidden, Invalid, NotFound
from livestall.festivals import pricing
from livestall.festivals.models import Festival, FestivalPrice, FestivalShop
from livestall.festivals.schemas import FestivalCreate, FestivalRead, FestivalUpdate, PriceCreate


def status_of(festival: Festival, now: datetime | None = None) -> str:
    """upcoming, running or ended."""
    now = now or utcnow()
    return "upcoming" if now < festival.starts_at else "running" if now < festival.ends_at else "ended"


def festival_read(festival: Festival, shop_count: int, now: datetime | None = None) -> FestivalRead:
    """The API view of a festival."""
    return FestivalRead(id=festival.id, name=festival.name, description=festival.description,
                        starts_at=festival.starts_at, ends_at=festival.ends_at, currency=festival.currency,
                        shop_count=shop_count, status=status_of(festival, now), created_at=festival.created_at)


async def count_shops(*, session: AsyncSession, festival_ids: list[int]) -> dict[int, int]:
    """How many shops take part in each of these festivals."""
    rows = await session.execute(select(FestivalShop.festival_id, func.count()).where(
        FestivalShop.festival_id.in_(festival_ids)).group_by(FestivalShop.festival_id))
    return {festival_id: int(count) for festival_id, count in rows}


async def read_festivals(*, session: AsyncSession, festivals: list[Festival]) -> list[FestivalRead]:
    """The API views of these festivals, with their shop counts."""
    counts = await count_shops(session=session, festival_ids=[f.id for f in festivals]) if festivals else {}
    return [festival_read(f, counts.get(f.id, 0)) for f in festivals]


async def read_festival(*, session: AsyncSession, festival: Festival) -> FestivalRead:
    """The API view of one festival."""
    return (await read_festivals(session=session, festivals=[festival]))[0]


async def takes_part(*, session: AsyncSession, festival_id: int, shop_id: int) -> bool:
    """Whether the shop takes part in the festival."""
    return await session.get(FestivalShop, (festival_id, shop_id)) is not None


async def list_shops(*, session: AsyncSession, festival: Festival, page: int = 1, per_page: int = 100
                     ) -> tuple[list[tuple[int, str]], int]:
    """The festival's shops (id, name), by id."""
    total = await session.scalar(select(func.count()).select_from(FestivalShop)
                                 .where(FestivalShop.festival_id == festival.id))
    rows = await session.execute(select(Shop.id, Shop.name).join(FestivalShop, FestivalShop.shop_id == Shop.id)
                                 .where(FestivalShop.festival_id == festival.id).order_by(Shop.id)
                                 .offset((page - 1) * per_page).limit(per_page))
    return [(shop_id, name) for shop_id, name in rows], total or 0


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    """Invalid naming ends_at when the window ends before (or when) it starts."""
    if ends_at <= starts_at:
        raise Invalid.field("ends_at", "after_starts_at", "must be after starts_at")


async def get_festival(*, session: AsyncSession, festival_id: int) -> Festival:
    """The festival with this id, or NotFound."""
    return await get_or_404(session, Festival, festival_id)


async def list_festivals(*, session: AsyncSession, include_ended: bool = False, limit: int = 50) -> list[Festival]:
    """Running and upcoming festivals, soonest first; when asked, then the ended ones, the latest first."""
    now = utcnow()
    current = list(await session.scalars(select(Festival).where(Festival.ends_at > now)
                                         .order_by(Festival.starts_at, Festival.id).limit(limit)))
    if not include_ended or len(current) >= limit:
        return current
    ended = await session.scalars(select(Festival).where(Festival.ends_at <= now)
                                  .order_by(Festival.ends_at.desc(), Festival.id.desc()).limit(limit - len(current)))
    return current + list(ended)


async def list_festivals_between(*, session: AsyncSession, start: datetime, end: datetime,
                                 limit: int = 20) -> list[Festival]:
    """Festivals whose window overlaps [start, end), soonest first: the ones a dashboard window covers."""
    return list(await session.scalars(select(Festival).where(Festival.starts_at < end, Festival.ends_at > start)
                                      .order_by(Festival.starts_at, Festival.id).limit(limit)))


async def _check_shops(session: AsyncSession, shop_ids: list[int]) -> list[int]:
    wanted = sorted(set(shop_ids))
    if not wanted:
        return []
    found = set(await session.scalars(select(Shop.id).where(Shop.id.in_(wanted))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise Invalid.field("shop_ids", "existing_shop", f"no shop {missing[0]}")
    return wanted


async def do_create_festival(*, session: AsyncSession, creator: User, festival_in: FestivalCreate) -> Festival:
    """A festival with its window and participating shops."""
    check_window(festival_in.starts_at, festival_in.ends_at)
    shop_ids = await _check_shops(session, festival_in.shop_ids)
    festival = Festival(name=festival_in.name, description=festival_in.description,
                        starts_at=festival_in.starts_at, ends_at=festival_in.ends_at, currency=festival_in.currency,
                        created_by_id=creator.id)
    session.add(festival)
    await session.flush()
    if shop_ids:
        await _join(session, festival, shop_ids)
    return festival


async def _join(session: AsyncSession, festival: Festival, shop_ids: list[int]) -> None:
    now = utcnow()
    stmt = insert_ignoring_conflicts(session, FestivalShop.__table__, ["festival_id", "shop_id"])
    await session.execute(stmt, [{"festival_id": festival.id, "shop_id": i, "joined_at": now} for i in shop_ids])


async def do_update_festival(*, session: AsyncSession, festival: Festival, festival_in: FestivalUpdate) -> Festival:
    """Change the name, description or window; the window must still hold every festival price."""
    changes = {k: v for k, v in festival_in.model_dump(exclude_unset=True).items() if v is not None}
    starts_at, ends_at = changes.get("starts_at", festival.starts_at), changes.get("ends_at", festival.ends_at)
    check_window(starts_at, ends_at)
    outside = await session.scalar(select(FestivalPrice.id).where(
        FestivalPrice.festival_id == festival.id,
        (FestivalPrice.starts_at < starts_at) | (FestivalPrice.ends_at > ends_at)).limit(1))
    if outside:
        field = "starts_at" if "starts_at" in changes else "ends_at"
        raise Conflict.field(field, "contains_prices", f"festival price {outside} would fall outside the window")
    for name, value in changes.items():
        setattr(festival, name, value)
    await session.flush()  # festival prices keep their own windows (checked above): the price cache stands
    return festival


async def do_add_shops(*, session: AsyncSession, festival: Festival, shop_ids: list[int]) -> Festival:
    """Add participating shops (those already in stay as they are)."""
    await _join(session, festival, await _check_shops(session, shop_ids))
    return festival


async def do_remove_shop(*, session: AsyncSession, festival: Festival, shop_id: int) -> Festival:
    """A shop leaves the festival; its festival prices go with it."""
    left = await session.execute(delete(FestivalShop).where(FestivalShop.festival_id == festival.id,
                                                            FestivalShop.shop_id == shop_id))
    if left.rowcount != 1:
        raise NotFound(f"shop {shop_id} is not in festival {festival.id}")
    await session.execute(delete(FestivalPrice).where(FestivalPrice.festival_id == festival.id,
                                                      FestivalPrice.shop_id == shop_id))
    await session.flush()
    pricing.invalidate_on_commit(session)
    return festival


def check_shop_or_operator(user: User, shop: Shop) -> None:
    """A festival price or voucher of a shop is set by its members, or by an operator."""
    if not user.has_role("operator") and shop.member_role(user.id) is None:
        raise Forbidden("only the shop's owners and staff, or an operator, may do this")


async def get_priced_product(*, session: AsyncSession, festival: Festival, product_id: int) -> tuple[Product, Shop]:
    """The product to price and its shop, which must take part in the festival."""
    product = await session.get(Product, product_id)
    if product is None:
        raise Invalid.field("product_id", "existing_product", f"no product {product_id}")
    if not await takes_part(session=session, festival_id=festival.id, shop_id=product.shop_id):
        raise Invalid.field("product_id", "participating_shop", "its shop does not take part in this festival")
    return product, await session.get(Shop, product.shop_id)


async def do_create_price(*, session: AsyncSession, festival: Festival, product: Product, creator: User,
                          price_in: PriceCreate) -> FestivalPrice:
    """A festival price inside the festival's window that overlaps no other of the same product."""
    starts_at = price_in.starts_at or festival.starts_at
    ends_at = price_in.ends_at or festival.ends_at
    check_window(starts_at, ends_at)
    if starts_at < festival.starts_at:
        raise Invalid.field("starts_at", "within_festival", "must not be before the festival starts")
    if ends_at > festival.ends_at:
        raise Invalid.field("ends_at", "within_festival", "must not be after the festival ends")
    if price_in.price_minor is not None and price_in.price_minor > product.price_minor:
        raise Invalid.field("price_minor", "not_above_list_price", "must not be above the product's price")
    # Lock the product row first (PostgreSQL), so that two overlapping prices cannot both pass the check.
    await session.execute(select(Product.id).where(Product.id == product.id).with_for_update())
    clash = (await session.execute(select(FestivalPrice.id, FestivalPrice.festival_id).where(
        FestivalPrice.product_id == product.id, FestivalPrice.starts_at < ends_at,
        FestivalPrice.ends_at > starts_at).limit(1))).first()
    if clash:
        raise Conflict.field("starts_at", "no_overlap",
                             f"overlaps festival price {clash[0]} of this product (festival {clash[1]})")
    price = FestivalPrice(festival_id=festival.id, shop_id=product.shop_id, product_id=product.id,
                          price_minor=price_in.price_minor, discount_pct=price_in.discount_pct, starts_at=starts_at,
                          ends_at=ends_at, created_by_id=creator.id)
    session.add(price)
    await session.flush()
    pricing.invalidate_on_commit(session, product.id)
    return price


async def get_price(*, session: AsyncSession, price_id: int) -> FestivalPrice:
    """The festival price with this id, or NotFound."""
    return await get_or_404(session, FestivalPrice, price_id)


async def list_prices(*, session: AsyncSession, festival: Festival, shop_id: int | None = None
                      ) -> list[FestivalPrice]:
    """A festival's prices, by product."""
    query = select(FestivalPrice).where(FestivalPrice.festival_id == festival.id)
    if shop_id is not None:
        query = query.where(FestivalPrice.shop_id == shop_id)
    return list(await session.scalars(query.order_by(FestivalPrice.product_id, FestivalPrice.starts_at).limit(1000)))


async def list_deals(*, session: AsyncSession, festival: Festival, limit: int) -> list[tuple[FestivalPrice, Product]]:
    """The first `limit` festival prices of active products, each with its product, by product."""
    rows = await session.execute(
        select(FestivalPrice, Product).join(Product, Product.id == FestivalPrice.product_id)
        .where(FestivalPrice.festival_id == festival.id, Product.status == "active")
        .order_by(FestivalPrice.product_id, FestivalPrice.starts_at).limit(limit))
    return list(rows.tuples())


async def do_delete_price(*, session: AsyncSession, price: FestivalPrice) -> None:
    """Remove a festival price."""
    await session.delete(price)
    await session.flush()
    pricing.invalidate_on_commit(session, price.product_id)
