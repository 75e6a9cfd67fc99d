"""Taking and giving back units: the stock row in the database is the truth, changed only conditionally."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, or_, select, update

from livestall.catalog.models import Product, ProductVariant
from livestall.db import Bind, UTCDateTime
from livestall.orders.models import FlashSale

PRODUCTS = Product.__table__
VARIANTS = ProductVariant.__table__
FLASH = FlashSale.__table__
OPEN_FLASH = ("scheduled", "live")


@dataclass(frozen=True)
class StockStatements:
    """The statements on one kind of stock row, built once: a hot path should not rebuild them per batch."""

    take: object  # take :n_units when at least that many are left; returns what is left
    left: object  # units left, when the row sells now


_ROW_ID, _UNITS, _NOW = bindparam("row_id"), bindparam("n_units"), bindparam("now", type_=UTCDateTime())
_PRODUCT_ID = bindparam("product_id")


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
# A product with variants sells only through them: its own stock is their sum, never taken on its own.
PRODUCT_STOCK = _statements(PRODUCTS, PRODUCTS.c.stock, (
    PRODUCTS.c.status == "active", ~exists().where(VARIANTS.c.product_id == PRODUCTS.c.id)))
# A variant sells while its product does; the product's total follows each of its variant's moves.
VARIANT_STOCK = _statements(VARIANTS, VARIANTS.c.stock, (
    exists().where(PRODUCTS.c.id == VARIANTS.c.product_id, PRODUCTS.c.status == "active"),))
_GIVE_TO_VARIANT = (update(VARIANTS).where(VARIANTS.c.id == _ROW_ID)
                    .values(stock=VARIANTS.c.stock + _UNITS).returning(VARIANTS.c.stock))
# Never short: the product's total is its variants' sum, so it holds at least the units its variant gave.
_MOVE_PRODUCT_TOTAL = (update(PRODUCTS).where(PRODUCTS.c.id == _PRODUCT_ID)
                       .values(stock=PRODUCTS.c.stock + _UNITS))
_GIVE_TO_FLASH = (update(FLASH).where(FLASH.c.id == _ROW_ID, *_FLASH_RUNS)
                  .values(units_left=FLASH.c.units_left + _UNITS).returning(FLASH.c.units_left))
# The product takes its units back whatever its status: they exist, even if it is not for sale now.
_GIVE_TO_PRODUCT = (update(PRODUCTS).where(PRODUCTS.c.id == _ROW_ID)
                    .values(stock=PRODUCTS.c.stock + _UNITS).returning(PRODUCTS.c.stock))


def stock_row(product_id: int, flash_sale_id: int | None, now: datetime,
              variant_id: int | None = None) -> tuple[StockStatements, dict]:
    """The statements and parameters of the row that units of this offer come from."""
    if flash_sale_id is not None:
        return FLASH_STOCK, {"row_id": flash_sale_id, "now": now}
    if variant_id is not None:
        return VARIANT_STOCK, {"row_id": variant_id}
    return PRODUCT_STOCK, {"row_id": product_id}


async def take_variant_units(bind: Bind, product_id: int, variant_id: int, units: int) -> int | None:
    """Take exactly `units` of a variant and its product's total, or nothing: units left of the variant, or None."""
    left = (await bind.execute(VARIANT_STOCK.take, {"row_id": variant_id, "n_units": units})).scalar()
    if left is not None:
        await bind.execute(_MOVE_PRODUCT_TOTAL, {"product_id": product_id, "n_units": -units})
    return left


async def take_units(bind: Bind, product_id: int, flash_sale_id: int | None, wanted: int,
                     now: datetime, *, expect_short: bool = False, variant_id: int | None = None) -> tuple[int, int]:
    """Take up to `wanted` units of the product, its variant or its flash sale (see `_take`); a variant's
    units leave the product's total in the same transaction."""
    taken, left = await _take(bind, stock_row(product_id, flash_sale_id, now, variant_id), wanted, expect_short)
    if taken and flash_sale_id is None and variant_id is not None:
        await bind.execute(_MOVE_PRODUCT_TOTAL, {"product_id": product_id, "n_units": -taken})
    return taken, left


async def _take(bind: Bind, row: tuple[StockStatements, dict], wanted: int, expect_short: bool) -> tuple[int, int]:
    """Take up to `wanted` units: (units taken, units left). All of them when there are enough,
    else what is left; each try is one conditional decrement, so no two takers get the same unit.

    `expect_short`: fewer than `wanted` were left last time, so read the row before trying
    (a sold-out offer then costs one read, not a failed decrement and a read)."""
    stock, params = row
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
                    now: datetime, variant_id: int | None = None) -> tuple[bool, int]:
    """Return units to a running flash sale, else to the variant (and its product's total) or the product:
    (went to the flash sale, units left there)."""
    if flash_sale_id is not None:
        left = (await bind.execute(_GIVE_TO_FLASH, {"row_id": flash_sale_id, "now": now, "n_units": units})).scalar()
        if left is not None:
            return True, left
    if variant_id is not None:
        left = (await bind.execute(_GIVE_TO_VARIANT, {"row_id": variant_id, "n_units": units})).scalar()
        if left is not None:
            await bind.execute(_MOVE_PRODUCT_TOTAL, {"product_id": product_id, "n_units": units})
            return False, left
        # The variant was removed meanwhile: its units were counted out of the product with it.
        return False, 0
    left = (await bind.execute(_GIVE_TO_PRODUCT, {"row_id": product_id, "n_units": units})).scalar()
    return False, left or 0
