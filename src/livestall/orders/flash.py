"""Flash sales: a sale price for a few minutes, a number of units, a per-buyer limit and a countdown."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, Invalid
from livestall.events import Event, on_camera, publish_on_commit
from livestall.money import Money, convert
from livestall.orders.models import FlashSale
from livestall.orders.stock import FLASH, OPEN_FLASH, PRODUCTS, VARIANTS, give_back, take_variant_units
from livestall.shows.models import Show

MAX_DAYS_AHEAD = 30  # how far ahead a flash sale may be set up


def display_prices(price: Money, fx_per_usd: dict[str, Decimal]) -> dict[str, dict]:
    """The price in every display currency, so that one room frame serves viewers of every market."""
    shown = {}
    for code in fx_per_usd:
        converted = convert(price, code, fx_per_usd)
        if converted is not None:
            shown[code] = {"amount_minor": converted.amount_minor, "formatted": converted.format()}
    return shown


def flash_view(flash: FlashSale, fx_per_usd: dict[str, Decimal], now: datetime | None = None) -> dict:
    """A flash sale as the room and the API show it, countdown included."""
    now = now or utcnow()
    price = Money(flash.sale_price_minor, flash.currency)
    return {
        "id": flash.id, "show_id": flash.show_id, "product_id": flash.product_id, "variant_id": flash.variant_id,
        "status": flash.status,
        "starts_at": flash.starts_at.isoformat(), "ends_at": flash.ends_at.isoformat(),
        "countdown_s": flash.countdown_s, "seconds_to_start": max(0, int((flash.starts_at - now).total_seconds())),
        "seconds_left": max(0, int((flash.ends_at - max(now, flash.starts_at)).total_seconds())),
        "sale_price": price.as_dict(), "display_prices": display_prices(price, fx_per_usd),
        "units": flash.units, "units_left": flash.units_left, "per_buyer_limit": flash.per_buyer_limit,
    }


async def get_flash_sale(*, session: AsyncSession, flash_sale_id: int) -> FlashSale:
    """The flash sale with this id, or NotFound."""
    return await get_or_404(session, FlashSale, flash_sale_id)


async def list_flash_sales(*, session: AsyncSession, show_id: int) -> list[FlashSale]:
    """A show's flash sales, by start time."""
    return list(await session.scalars(select(FlashSale).where(FlashSale.show_id == show_id)
                                      .order_by(FlashSale.starts_at, FlashSale.id)))


async def do_create_flash_sale(*, session: AsyncSession, show: Show, creator: User, product_id: int,
                               starts_at: datetime, duration_s: int, sale_price_minor: int, currency: str | None,
                               units: int, per_buyer_limit: int | None, countdown_s: int,
                               fx_per_usd: dict[str, Decimal], variant_id: int | None = None) -> FlashSale:
    """Set up a flash sale of a product (or of one of its variants) in a scheduled or live show; its units
    leave the stock at once."""
    now = utcnow()
    if show.status not in ("scheduled", "live"):
        raise Conflict.field("show_id", "show_not_over", f"the show is {show.status}")
    product = await session.get(Product, product_id)
    if product is None or product.shop_id != show.shop_id:
        raise Invalid.field("product_id", "product_of_show_shop", "is not a product of this show's shop")
    if product.status != "active":
        raise Invalid.field("product_id", "active_product", "is not on sale")
    if currency is not None and currency != product.currency:
        raise Invalid.field("currency", "matches_shop_currency", f"must be the shop's currency {product.currency}")
    _check_variant(product, variant_id)
    if starts_at < now - timedelta(seconds=5):
        raise Invalid.field("starts_at", "not_in_past", "must be now or later")
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):  # its units leave the stock until it ends
        raise Invalid.field("starts_at", "starts_within", f"must be at most {MAX_DAYS_AHEAD} days from now")
    starts_at = max(starts_at, now)
    ends_at = starts_at + timedelta(seconds=duration_s)
    clash = await session.scalar(select(FlashSale.id).where(
        FlashSale.show_id == show.id, FlashSale.product_id == product_id, FlashSale.status.in_(OPEN_FLASH),
        FlashSale.variant_id.is_(None) if variant_id is None else FlashSale.variant_id == variant_id,
        FlashSale.starts_at < ends_at, FlashSale.ends_at > starts_at).limit(1))
    if clash:
        raise Conflict.field("starts_at", "no_overlap",
                             f"overlaps flash sale {clash} of this {'variant' if variant_id else 'product'}")
    if variant_id is not None:
        if await take_variant_units(session, product_id, variant_id, units) is None:
            left = (await session.execute(select(VARIANTS.c.stock).where(VARIANTS.c.id == variant_id))).scalar()
            raise Conflict.field("units", "in_stock", f"only {left} of this variant in stock")
    else:
        taken = await session.execute(update(PRODUCTS).where(PRODUCTS.c.id == product_id, PRODUCTS.c.stock >= units)
                                      .values(stock=PRODUCTS.c.stock - units))
        if taken.rowcount != 1:
            await session.refresh(product)
            raise Conflict.field("units", "in_stock", f"only {product.stock} in stock")
    flash = FlashSale(show_id=show.id, product_id=product_id, variant_id=variant_id, created_by_id=creator.id,
                      starts_at=starts_at,
                      ends_at=ends_at, countdown_s=countdown_s, sale_price_minor=sale_price_minor,
                      currency=product.currency, units=units, units_left=units, per_buyer_limit=per_buyer_limit,
                      status="scheduled")
    session.add(flash)
    await session.flush()
    publish_on_commit(session, Event(show.id, "flash.scheduled", flash_view(flash, fx_per_usd, now), on_camera(now)))
    return flash


def _check_variant(product: Product, variant_id: int | None) -> None:
    """A product with variants is put on sale one variant at a time: which one, and it must be the product's."""
    if variant_id is None:
        if product.variants:
            raise Invalid.field("variant_id", "variant_required", "choose the variant on sale: this product "
                                                                  "comes in several")
    elif all(v.id != variant_id for v in product.variants):
        raise Invalid.field("variant_id", "variant_of_product", f"{variant_id} is not a variant of this product")


async def _finish(session: AsyncSession, flash: FlashSale, status: str, now: datetime) -> int | None:
    """Close a flash sale and put its unsold units back in the stock (its variant's, if of one); None if already
    closed."""
    closed = await session.execute(update(FLASH).where(FLASH.c.id == flash.id, FLASH.c.status.in_(OPEN_FLASH))
                                   .values(status=status))
    if closed.rowcount != 1:
        return None
    # The row is locked now: nobody takes or gives back units of it until this commits.
    left = (await session.execute(select(FLASH.c.units_left).where(FLASH.c.id == flash.id))).scalar_one()
    await session.execute(update(FLASH).where(FLASH.c.id == flash.id).values(units_left=0))
    back_to_product = left
    if flash.variant_id is not None and left:  # to the variant, and with it to the product's total
        await give_back(session, flash.product_id, None, left, now, flash.variant_id)
        back_to_product = 0
    stock = (await session.execute(update(PRODUCTS).where(PRODUCTS.c.id == flash.product_id)
                                   .values(stock=PRODUCTS.c.stock + back_to_product)
                                   .returning(PRODUCTS.c.stock))).scalar_one()
    await session.refresh(flash)
    publish_on_commit(session, Event(flash.show_id, f"flash.{status}", {
        "id": flash.id, "product_id": flash.product_id, "variant_id": flash.variant_id, "units": flash.units,
        "units_unsold": left, "stock": stock, "at": now.isoformat()}))
    return left


async def do_end_flash_sale(*, session: AsyncSession, flash: FlashSale) -> FlashSale:
    """End a flash sale now (cancel it if it had not started); unsold units return to the product."""
    now = utcnow()
    status = "cancelled" if flash.starts_at > now else "ended"
    if await _finish(session, flash, status, now) is None:
        raise Conflict.field("status", "open", f"the flash sale is already {flash.status}")
    return flash


async def run_flash_clock(*, session: AsyncSession, now: datetime, fx_per_usd: dict[str, Decimal]) -> int:
    """Start the flash sales whose time came and end those whose time is up; how many changed."""
    changed = 0
    starting = await session.scalars(select(FlashSale).where(FlashSale.status == "scheduled",
                                                             FlashSale.starts_at <= now, FlashSale.ends_at > now))
    for flash in list(starting):
        moved = await session.execute(update(FLASH).where(FLASH.c.id == flash.id, FLASH.c.status == "scheduled")
                                      .values(status="live"))
        if moved.rowcount == 1:  # another process may have started it first: it announces, not us
            await session.refresh(flash)
            publish_on_commit(session, Event(flash.show_id, "flash.started", flash_view(flash, fx_per_usd, now),
                                                   on_camera(flash.starts_at)))
            changed += 1
    ending = await session.scalars(select(FlashSale).where(FlashSale.status.in_(OPEN_FLASH), FlashSale.ends_at <= now))
    for flash in list(ending):
        if await _finish(session, flash, "ended", now) is not None:
            changed += 1
    return changed
