"""Replay chapters for auctions: each auction at the moment its bidding opened, with how it came out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.auctions.models import Auction
from livestall.auctions.service import auction_title
from livestall.catalog.models import Product, ProductVariant
from livestall.money import Money


def _outcome(auction: Auction) -> str:
    if auction.result in ("sold", "sold_runner_up") and auction.hammer_minor is not None:
        return f"sold for {Money(auction.hammer_minor, auction.currency).format()}"
    return "not sold" if auction.status == "ended" else auction.status


async def auction_chapters(*, session: AsyncSession, show_id: int,
                           position_of: Callable[[datetime], float | None]) -> list[dict]:
    """One chapter per auction opened in the show, e.g. "Auction: Wool scarf, sold for CNY 150.00"."""
    rows = await session.execute(select(Auction, Product, ProductVariant)
                                 .join(Product, Product.id == Auction.product_id)
                                 .outerjoin(ProductVariant, ProductVariant.id == Auction.variant_id)
                                 .where(Auction.show_id == show_id, Auction.opened_at.is_not(None)))
    chapters = []
    for auction, product, variant in rows.all():
        title = auction_title(product, variant)  # "Cardigan · M / Grey" for one variant
        at = position_of(auction.opened_at)
        if at is not None:
            chapters.append({"at_s": round(at, 1), "kind": "auction", "title": f"Auction: {title}, {_outcome(auction)}",
                             "product_id": auction.product_id, "auction_id": auction.id})
    return chapters
