"""Demo data: Mei's yak wool cardigan comes in sizes and colours, each with its own stock (`make run`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product, ProductVariant

CARDIGAN_SKU = "MW-CARD-03"
AXES = ["Size", "Colour"]
# (size, colour, units): four grey M, and the red L is gone.
CARDIGAN = [("S", "Grey", 2), ("M", "Grey", 4), ("L", "Grey", 1), ("S", "Red", 1), ("M", "Red", 2), ("L", "Red", 0)]


async def ensure_cardigan_variants(session: AsyncSession) -> None:
    """Give the demo cardigan its Size × Colour variants, once; its stock becomes theirs."""
    product = await session.scalar(select(Product).where(Product.sku == CARDIGAN_SKU).limit(1))
    if product is None or product.variants:
        return
    product.option_axes = AXES
    for position, (size, colour, units) in enumerate(CARDIGAN):
        session.add(ProductVariant(product_id=product.id, sku=f"{CARDIGAN_SKU}-{size}-{colour.upper()}",
                                   option1=size, option2=colour, stock=units, position=position))
    product.stock = sum(units for _, _, units in CARDIGAN)
    await session.flush()
