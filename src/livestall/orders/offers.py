"""What a live show sells right now: a pinned product at its price, or at its flash-sale price."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import raiseload

from livestall.catalog.models import Product
from livestall.db import get_or_404
from livestall.errors import Conflict, Invalid
from livestall.festivals.pricing import effective_unit_price
from livestall.orders.models import FlashSale
from livestall.orders.settle import Offer, VariantChoice
from livestall.orders.stock import OPEN_FLASH
from livestall.shows.models import Show, ShowPin


async def get_offer(*, session: AsyncSession, show_id: int, product_id: int, now: datetime) -> tuple[Offer, datetime]:
    """The offer for a product pinned in a live show, and until when it holds at most (a flash sale's
    start or end changes it); NotFound, Conflict or Invalid naming the field otherwise."""
    show = await get_or_404(session, Show, show_id)
    if show.status != "live":
        raise Conflict.field("show_id", "show_live", f"the show is {show.status}, not live")
    pinned = await session.scalar(select(ShowPin.id).where(
        ShowPin.show_id == show_id, ShowPin.product_id == product_id, ShowPin.unpinned_at.is_(None)).limit(1))
    # Its variants come with it (selectin); its photos are not the offer's business: one read fewer per offer.
    product = await session.get(Product, product_id, options=[raiseload(Product.images)]) if pinned else None
    if product is None:
        raise Invalid.field("product_id", "pinned_in_show", "is not pinned in this show right now")
    if product.status != "active":
        raise Invalid.field("product_id", "active_product", "is not on sale")
    flashes = list(await session.scalars(
        select(FlashSale).where(FlashSale.show_id == show_id, FlashSale.product_id == product_id,
                                FlashSale.status.in_(OPEN_FLASH), FlashSale.ends_at > now)
        .order_by(FlashSale.starts_at)))
    options = tuple(product.options or ())
    price = await effective_unit_price(session, product, now)  # a festival price inside its window
    forever = datetime.max.replace(tzinfo=now.tzinfo)
    # The offer changes when a flash sale starts or ends, or a festival window opens or closes.
    until = min([f.starts_at if f.starts_at > now else f.ends_at for f in flashes] + [price.until or forever])
    running = {f.variant_id: f for f in reversed(flashes) if f.starts_at <= now}  # the earliest wins
    if product.variants:
        offer = Offer(show_id, show.shop_id, product_id, None, price.amount_minor, product.currency, None, options,
                      product.title, axes=tuple(product.option_axes or ()),
                      variants=tuple(variant_choices(product, price.amount_minor, price.festival_id, running)))
        return offer, until
    flash = running.get(None)
    if flash is not None:
        return Offer(show_id, show.shop_id, product_id, flash.id, flash.sale_price_minor, flash.currency,
                     flash.per_buyer_limit, options, product.title), until
    return Offer(show_id, show.shop_id, product_id, None, price.amount_minor, product.currency, None, options,
                 product.title), until


def variant_choices(product: Product, unit_price_minor: int, festival_id: int | None,
                    running: dict[int | None, FlashSale]) -> list[VariantChoice]:
    """The product's variants as buyers pick them: a running flash sale of the variant sets its price, else a
    festival price (on the product), else the variant's own price or the product's."""
    choices = []
    for variant in product.variants:
        flash = running.get(variant.id)
        if flash is not None:
            choices.append(VariantChoice(variant.id, tuple(variant.values), variant.label, flash.sale_price_minor,
                                         flash.id, flash.per_buyer_limit))
            continue
        own = variant.price_minor if festival_id is None and variant.price_minor is not None else unit_price_minor
        choices.append(VariantChoice(variant.id, tuple(variant.values), variant.label, own))
    return choices


class OfferCache:
    """Offers kept for a moment, so that a rush on one product reads the show, pin and product once.

    The stock is never cached (the batch's conditional decrement is the truth); a price, pin or
    flash-sale change reaches buyers within `ttl_s`, and a flash sale's start and end exactly.
    """

    def __init__(self, ttl_s: float = 1.0) -> None:
        self.ttl_s = ttl_s
        self.entries: dict[tuple[int, int], tuple[Offer, float, datetime]] = {}
        # One read per offer at a time: when an entry runs out under a rush, hundreds of buyers miss at once.
        self._reading: dict[tuple[int, int], asyncio.Future[tuple[Offer, datetime]]] = {}
        self._forgotten = 0  # bumped by forget_show: a read under way then answers its callers but is not kept

    async def get(self, *, sessionmaker: async_sessionmaker[AsyncSession], show_id: int, product_id: int,
                  now: datetime) -> Offer:
        """The offer, from the cache while it is fresh, or from the one read under way (NotFound, Conflict or
        Invalid as get_offer says)."""
        key = (show_id, product_id)
        entry = self.entries.get(key)
        if entry is not None and entry[1] > time.monotonic() and now < entry[2]:
            return entry[0]
        reading = self._reading.get(key)
        if reading is not None:
            offer, until = await asyncio.shield(reading)
            if now < until:
                return offer
        return await self._read(sessionmaker, key, now)

    async def _read(self, sessionmaker: async_sessionmaker[AsyncSession], key: tuple[int, int], now: datetime) -> Offer:
        future: asyncio.Future[tuple[Offer, datetime]] = asyncio.get_running_loop().create_future()
        self._reading.setdefault(key, future)
        forgotten = self._forgotten
        try:
            async with sessionmaker() as session:
                offer, until = await get_offer(session=session, show_id=key[0], product_id=key[1], now=now)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody need be waiting
            raise
        finally:
            if self._reading.get(key) is future:
                del self._reading[key]
        future.set_result((offer, until))
        if forgotten == self._forgotten:
            if len(self.entries) > 10_000:
                self.entries.clear()
            self.entries[key] = (offer, time.monotonic() + self.ttl_s, until)
        return offer

    def forget_show(self, show_id: int) -> None:
        """Drop a show's offers (its shelf or a flash sale changed in this process)."""
        self._forgotten += 1
        for key in [k for k in self.entries if k[0] == show_id]:
            del self.entries[key]
