"""The demo's auction: the live show puts one yak wool cardigan up, waiting for the host to open the bidding."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.auctions.models import Auction
from livestall.auctions.pricing import DEFAULT_INCREMENTS
from livestall.catalog.models import Product, ProductVariant
from livestall.db import utcnow
from livestall.shows.models import Show, ShowPin

SKU = "MW-CARD-03"
STARTING_MINOR = 19900  # well under the list price, as live auctions start


async def ensure_auction(session: AsyncSession, users: dict[str, User]) -> None:
    """A scheduled auction of one cardigan in the live show (pinned there), set up once."""
    show = await session.scalar(select(Show).where(Show.status == "live", Show.host_id ==
                                                   users["mei@demo.livestall.org"].id).limit(1))
    if show is None or await session.scalar(select(Auction.id).where(Auction.show_id == show.id).limit(1)):
        return
    product = await session.scalar(select(Product).where(Product.shop_id == show.shop_id, Product.sku == SKU))
    if product is None:
        return
    if not await session.scalar(select(ShowPin.id).where(ShowPin.show_id == show.id, ShowPin.unpinned_at.is_(None))):
        # The shelf the demo host sells from: the shop's products, as the live demo would pin them on an empty one.
        shelf = await session.scalars(select(Product.id).where(Product.shop_id == show.shop_id,
                                                               Product.status == "active").order_by(Product.id).limit(20))
        for position, product_id in enumerate(shelf):
            session.add(ShowPin(show_id=show.id, product_id=product_id, position=position, pinned_by_id=show.host_id,
                                pinned_at=utcnow()))
    # One unit of a size that is in stock: a product with variants is sold by variant.
    variant_id = await session.scalar(select(ProductVariant.id).where(ProductVariant.product_id == product.id,
                                                                      ProductVariant.stock > 0)
                                      .order_by(ProductVariant.position, ProductVariant.id).limit(1))
    session.add(Auction(show_id=show.id, shop_id=show.shop_id, product_id=product.id, variant_id=variant_id,
                        created_by_id=show.host_id,
                        status="scheduled", currency=product.currency, starting_price_minor=STARTING_MINOR,
                        increments=DEFAULT_INCREMENTS, duration_s=45, snipe_s=10, sudden_death=False, offer_minutes=10,
                        price_minor=STARTING_MINOR, bids_count=0, created_at=utcnow()))
    await session.flush()
