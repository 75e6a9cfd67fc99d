"""Taking and giving back units: the stock row in the database is the truth, changed only conditionally."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update

from livestall.catalog.models import Product
from livestall.db import Bind, UTCDateTime
from livestall.orders.models import FlashSale

PRODUCTS = Product.__table__
FLASH = FlashSale.__table__
OPEN_FLASH = ("scheduled", "live")


@dataclass(frozen=True)
class StockStatements:
    """The statements on one kind of stock row, built once: a hot path should not rebuild them per batch."""

    take: object  # take :n_units when at least that many are left; returns what is left
    left: object  # units left, when the row sells now


_ROW_ID, _UNITS, _NOW = bindparam("row_id"), bindparam("n_units"), bindparam("now", type_=UTCDateTime())


def _statements(table, column, sells_now: tuple) -> StockStatements:
    row = table.c.id == _ROW_ID
    return StockStatements(
        take=update(table).where(row, column >= _UNITS, *sells_now).values({column: column - _UNITS}).returning(column),
        left=select(column).where(row, *sells_now))


# A flash sale sells only while it runs, whatever its status column says yet. (Comparisons rather
# than IN: an IN list is re-rendered at every execution.)
_FLASH_RUNS = (or_(*(FLASH.c.status == status for status in OPEN_FLASH)), FLASH.c.starts_at <= _NOW,
               FLASH.c.ends_at > _NOW)
FLASH_STOCK = _statements(FLASH, FLASH.c.units_left, _FLASH_RUNS)
PRODUCT_STOCK = _statements(PRODUCTS, PRODUCTS.c.stock, (PRODUCTS.c.status == "active",))
_GIVE_TO_FLASH = (update(FLASH).where(FLASH.c.id == _ROW_ID, *_FLASH_RUNS)
                  .values(units_left=FLASH.c.units_left + _UNITS).returning(FLASH.c.units_left))
# The product takes its units back whatever its status: they exist, even if it is not for sale now.
_GIVE_TO_PRODUCT = (update(PRODUCTS).where(PRODUCTS.c.id == _ROW_ID)
                    .values(stock=PRODUCTS.c.stock + _UNITS).returning(PRODUCTS.c.stock))


def stock_row(product_id: int, flash_sale_id: int | None, now: datetime) -> tuple[StockStatements, dict]:
    """The statements and parameters of the row that units of this offer come from."""
    if flash_sale_id is None:
        return PRODUCT_STOCK, {"row_id": product_id}
    return FLASH_STOCK, {"row_id": flash_sale_id, "now": now}


async def take_units(bind: Bind, product_id: int, flash_sale_id: int | None, wanted: int,
                     now: datetime, *, expect_short: bool = False) -> tuple[int, int]:
    """Take up to `wanted` units: (units taken, units left). All of them when there are enough,
    else what is left; each try is one conditional decrement, so no two takers get the same unit.

    `expect_short`: fewer than `wanted` were left last time, so read the row before trying
    (a sold-out offer then costs one read, not a failed decrement and a read)."""
    stock, params = stock_row(product_id, flash_sale_id, now)
    if expect_short:
        left = (await bind.execute(stock.left, params)).scalar()
        if not left:
            return 0, 0
        wanted = min(wanted, left)
    while wanted > 0:
        left = (await bind.execute(stock.take, {**params, "n_units": wanted})).scalar()
        if left is not None:
            return wanted, left
        left = (await bind.execute(stock.left, params)).scalar()
        if not left:
            return 0, 0
        # Fewer than wanted: take what is left (another taker may still win the race; then try again).
        wanted = min(wanted, left)
    return 0, 0


async def give_back(bind: Bind, product_id: int, flash_sale_id: int | None, units: int,
                    now: datetime) -> tuple[bool, int]:
    """Return units to a running flash sale, else to the product: (went to the flash sale, units left there)."""
    if flash_sale_id is not None:
        left = (await bind.execute(_GIVE_TO_FLASH, {"row_id": flash_sale_id, "now": now, "n_units": units})).scalar()
        if left is not None:
            return True, left
    left = (await bind.execute(_GIVE_TO_PRODUCT, {"row_id": product_id, "n_units": units})).scalar()
    return False, left or 0
