"""The shelf a live show sells from: its pinned products at their prices and flash sales, and what its room
is told when the host pins or unpins one (the pins themselves are rows of the show, shows/models.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product
from livestall.db import utcnow
from livestall.errors import Conflict, Invalid
from livestall.events import Event, on_camera, publish_on_commit
from livestall.festivals.pricing import effective_unit_price
from livestall.money import Money
from livestall.orders.flash import display_prices, flash_view
from livestall.orders.models import FlashSale
from livestall.orders.stock import OPEN_FLASH
from livestall.shows.models import Show, ShowPin

MAX_SHELF = 20


async def list_shelf(*, session: AsyncSession, show_id: int) -> list[tuple[ShowPin, Product, FlashSale | None]]:
    """The open pins of a show in shelf order, each with its product and its current or next flash sale."""
    rows = (await session.execute(
        select(ShowPin, Product).join(Product, Product.id == ShowPin.product_id)
        .where(ShowPin.show_id == show_id, ShowPin.unpinned_at.is_(None))
        .order_by(ShowPin.position, ShowPin.id))).all()
    now = utcnow()
    flashes: dict[int, FlashSale] = {}
    if rows:
        found = await session.scalars(select(FlashSale).where(
            FlashSale.show_id == show_id, FlashSale.product_id.in_([p.id for _, p in rows]),
            FlashSale.status.in_(OPEN_FLASH), FlashSale.ends_at > now).order_by(FlashSale.starts_at.desc()))
        flashes = {f.product_id: f for f in found}  # the soonest one wins: ordered latest first
    return [(pin, product, flashes.get(product.id)) for pin, product in rows]


async def variant_flashes(session: AsyncSession, show_id: int, product_ids: list[int]) -> dict[int, FlashSale]:
    """The current or next flash sale of each variant of these products in the show, by variant id."""
    if not product_ids:
        return {}
    found = await session.scalars(select(FlashSale).where(
        FlashSale.show_id == show_id, FlashSale.product_id.in_(product_ids), FlashSale.variant_id.is_not(None),
        FlashSale.status.in_(OPEN_FLASH), FlashSale.ends_at > utcnow()).order_by(FlashSale.starts_at.desc()))
    return {f.variant_id: f for f in found}  # the soonest one wins: ordered latest first


async def unit_prices(session: AsyncSession, shelf: list[tuple[ShowPin, Product, FlashSale | None]]) -> dict[int, int]:
    """What a unit of each product costs now: its festival price inside a festival's window, else its list price."""
    now = utcnow()
    return {product.id: (await effective_unit_price(session, product, now)).amount_minor for _, product, _ in shelf}


async def festival_priced(session: AsyncSession, shelf: list[tuple[ShowPin, Product, FlashSale | None]]) -> set[int]:
    """The products with variants that sell at a festival price now (their variants' own prices then wait)."""
    now = utcnow()
    return {product.id for _, product, _ in shelf
            if product.variants and (await effective_unit_price(session, product, now)).festival_id is not None}


def variants_view(product: Product, unit_price_minor: int, festival: bool, flashes: dict[int, FlashSale],
                  fx_per_usd: dict[str, Decimal], now: datetime) -> list[dict]:
    """A pinned product's variants as the shelf lists them (what a unit costs as the buy path prices it)."""
    images = {image.id: image.url for image in product.images}
    items = []
    for variant in product.variants:
        own = variant.price_minor if not festival and variant.price_minor is not None else unit_price_minor
        price = Money(own, product.currency)
        flash = flashes.get(variant.id)
        items.append({
            "id": variant.id, "values": variant.values, "label": variant.label, "price": price.as_dict(),
            "display_prices": display_prices(price, fx_per_usd), "stock": variant.stock,
            "image_url": images.get(variant.image_id), "flash_sale": flash_view(flash, fx_per_usd, now) if flash else None,
        })
    return items


def shelf_view(shelf: list[tuple[ShowPin, Product, FlashSale | None]], fx_per_usd: dict[str, Decimal],
               prices: dict[int, int], flashes: dict[int, FlashSale] | None = None,
               festival: set[int] | frozenset[int] = frozenset()) -> list[dict]:
    """The shelf as one room frame: prices (and list prices) in the shop's currency and in every display currency,
    and each product's variants (`flashes`: the variants' flash sales, `festival`: products at a festival price)."""
    now = utcnow()
    items = []
    for pin, product, flash in shelf:
        price = Money(prices.get(product.id, product.price_minor), product.currency)
        items.append({
            "product_id": product.id, "position": pin.position, "title": product.title,
            "image_url": product.images[0].url if product.images else None,
            "options": [] if product.variants else product.options or [],  # a variant is picked on its axes
            "price": price.as_dict(), "list_price": Money(product.price_minor, product.currency).as_dict(),
            "display_prices": display_prices(price, fx_per_usd), "stock": product.stock,
            "pinned_at": pin.pinned_at.isoformat(),
            "flash_sale": flash_view(flash, fx_per_usd, now) if flash is not None else None,
            "option_axes": list(product.option_axes or []),
            "variants": variants_view(product, price.amount_minor, product.id in festival, flashes or {}, fx_per_usd,
                                      now),
        })
    return items


async def priced_shelf_view(session: AsyncSession, show_id: int, shelf: list[tuple[ShowPin, Product, FlashSale | None]],
                            fx_per_usd: dict[str, Decimal]) -> list[dict]:
    """`shelf_view` with the prices, festival prices and variants' flash sales read for it."""
    with_variants = [product.id for _, product, _ in shelf if product.variants]
    return shelf_view(shelf, fx_per_usd, await unit_prices(session, shelf),
                      await variant_flashes(session, show_id, with_variants), await festival_priced(session, shelf))


async def get_shelf_view(*, session: AsyncSession, show_id: int, fx_per_usd: dict[str, Decimal]) -> list[dict]:
    """What a viewer joining the room sees on the shelf."""
    shelf = await list_shelf(session=session, show_id=show_id)
    return await priced_shelf_view(session, show_id, shelf, fx_per_usd)


async def _announce(session: AsyncSession, show: Show, fx_per_usd: dict[str, Decimal], now: datetime) -> list[dict]:
    """Publish the new shelf, stamped with the moment the host changed it on camera."""
    await session.flush()
    items = await get_shelf_view(session=session, show_id=show.id, fx_per_usd=fx_per_usd)
    publish_on_commit(session, Event(show.id, "pin.changed", {"items": items}, on_camera(now)))
    return items


async def _check_products(session: AsyncSession, show: Show, product_ids: list[int]) -> None:
    if len(set(product_ids)) != len(product_ids):
        raise Invalid.field("product_ids", "unique", "lists a product twice")
    if len(product_ids) > MAX_SHELF:
        raise Invalid.field("product_ids", "max_shelf", f"a shelf holds at most {MAX_SHELF} products")
    found = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(product_ids)))}
    for product_id in product_ids:
        product = found.get(product_id)
        if product is None or product.shop_id != show.shop_id:
            raise Invalid.field("product_ids", "product_of_show_shop", f"{product_id} is not a product of this shop")
        if product.status != "active":
            raise Invalid.field("product_ids", "active_product", f"{product_id} is not on sale")


def _check_live(show: Show) -> None:
    if show.status != "live":
        raise Conflict.field("status", "show_live", f"products are pinned in a live show; this one is {show.status}")


async def do_set_shelf(*, session: AsyncSession, show: Show, user_id: int, product_ids: list[int],
                       fx_per_usd: dict[str, Decimal]) -> list[dict]:
    """Make the shelf exactly these products, in this order (an empty list clears it)."""
    _check_live(show)
    await _check_products(session, show, product_ids)
    now = utcnow()
    current = {pin.product_id: pin for pin, _, _ in await list_shelf(session=session, show_id=show.id)}
    for product_id, pin in current.items():
        if product_id not in product_ids:
            pin.unpinned_at = now
    for position, product_id in enumerate(product_ids):
        if product_id in current:
            current[product_id].position = position
        else:
            session.add(ShowPin(show_id=show.id, product_id=product_id, position=position, pinned_by_id=user_id,
                                pinned_at=now))
    return await _announce(session, show, fx_per_usd, now)


async def do_pin(*, session: AsyncSession, show: Show, user_id: int, product_id: int,
                 fx_per_usd: dict[str, Decimal]) -> list[dict]:
    """Add one product at the end of the shelf (pinning it again changes nothing)."""
    _check_live(show)
    shelf = await list_shelf(session=session, show_id=show.id)
    if any(product.id == product_id for _, product, _ in shelf):
        return await priced_shelf_view(session, show.id, shelf, fx_per_usd)
    try:
        await _check_products(session, show, [product_id])
    except Invalid as exc:
        raise Invalid.field("product_id", exc.errors[0].rule, exc.errors[0].message) from None
    if len(shelf) >= MAX_SHELF:
        raise Conflict.field("product_id", "max_shelf", f"a shelf holds at most {MAX_SHELF} products")
    position = max((pin.position for pin, _, _ in shelf), default=-1) + 1
    now = utcnow()
    session.add(ShowPin(show_id=show.id, product_id=product_id, position=position, pinned_by_id=user_id,
                        pinned_at=now))
    return await _announce(session, show, fx_per_usd, now)


async def do_unpin(*, session: AsyncSession, show: Show, product_id: int, fx_per_usd: dict[str, Decimal]) -> list[dict]:
    """Take a product off the shelf."""
    _check_live(show)
    now = utcnow()
    await session.execute(update(ShowPin).where(ShowPin.show_id == show.id, ShowPin.product_id == product_id,
                                                ShowPin.unpinned_at.is_(None)).values(unpinned_at=now))
    return await _announce(session, show, fx_per_usd, now)
