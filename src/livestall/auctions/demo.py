"""The demo's auction: the live show puts one yak wool cardigan up, waiting for the host to open the bidding."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.auctions.models import Auction
from livestall.auctions.pricing import DEFAULT_INCREMENTS
from livestall.catalog.models import Product
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
    if not await session.scalar(select(ShowPin.id).where(ShowPin.show_id == show.id, ShowPin.product_id == product.id,
                                                         ShowPin.unpinned_at.is_(None))):
        session.add(ShowPin(show_id=show.id, product_id=product.id, position=0, pinned_by_id=show.host_id,
                            pinned_at=utcnow()))
    session.add(Auction(show_id=show.id, shop_id=show.shop_id, product_id=product.id, created_by_id=show.host_id,
                        status="scheduled", currency=product.currency, starting_price_minor=STARTING_MINOR,
                        increments=DEFAULT_INCREMENTS, duration_s=45, snipe_s=10, sudden_death=False, offer_minutes=10,
                        price_minor=STARTING_MINOR, bids_count=0, created_at=utcnow()))
    await session.flush()
