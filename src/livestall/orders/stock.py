"""Taking and giving back units: the stock row in the database is the truth, changed only conditionally."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from livestall.catalog.models import Product
from livestall.ledger.service import Bind
from livestall.orders.models import FlashSale

PRODUCTS = Product.__table__
FLASH = FlashSale.__table__
OPEN_FLASH = ("scheduled", "live")


def stock_row(product_id: int, flash_sale_id: int | None, now: datetime):
    """(table, column, row id, extra conditions) of the row that units of this offer come from."""
    if flash_sale_id is None:
        return PRODUCTS, PRODUCTS.c.stock, product_id, (PRODUCTS.c.status == "active",)
    # A flash sale sells only while it runs, whatever its status column says yet.
    return FLASH, FLASH.c.units_left, flash_sale_id, (
        FLASH.c.status.in_(OPEN_FLASH), FLASH.c.starts_at <= now, FLASH.c.ends_at > now)


async def take_units(bind: Bind, product_id: int, flash_sale_id: int | None, wanted: int,
                     now: datetime) -> tuple[int, int]:
    """Take up to `wanted` units: (units taken, units left). All of them when there are enough,
    else what is left; each try is one conditional decrement, so no two takers get the same unit."""
    table, column, row_id, conditions = stock_row(product_id, flash_sale_id, now)
    while wanted > 0:
        stmt = (update(table).where(table.c.id == row_id, column >= wanted, *conditions)
                .values({column: column - wanted}).returning(column))
        left = (await bind.execute(stmt)).scalar()
        if left is not None:
            return wanted, left
        left = (await bind.execute(select(column).where(table.c.id == row_id, *conditions))).scalar()
        if not left:
            return 0, 0
        # Fewer than wanted: take what is left (another taker may still win the race; then try again).
        wanted = min(wanted, left)
    return 0, 0


async def give_back(bind: Bind, product_id: int, flash_sale_id: int | None, units: int,
                    now: datetime) -> tuple[bool, int]:
    """Return units to a running flash sale, else to the product: (went to the flash sale, units left there)."""
    if flash_sale_id is not None:
        _, column, _, conditions = stock_row(product_id, flash_sale_id, now)
        left = (await bind.execute(update(FLASH).where(FLASH.c.id == flash_sale_id, *conditions)
                                   .values(units_left=column + units).returning(column))).scalar()
        if left is not None:
            return True, left
    left = (await bind.execute(update(PRODUCTS).where(PRODUCTS.c.id == product_id)
                               .values(stock=PRODUCTS.c.stock + units).returning(PRODUCTS.c.stock))).scalar()
    return False, left or 0
