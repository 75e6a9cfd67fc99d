"""The festival price of a product at a moment: cached in memory, so that buying costs no extra query.

A product's festival prices are read once and kept for `TTL_S`; a write in this process drops the
entry at once (and again when it commits), other processes see it within `TTL_S`. The windows are
kept with the prices, so a window's start and end take effect exactly, not within the TTL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product
from livestall.festivals.models import FestivalPrice

TTL_S = 5.0
MAX_ENTRIES = 50_000


@dataclass(frozen=True, slots=True)
class Window:
    """One festival price of a product: a fixed price or a percentage off, from `starts_at` to `ends_at`."""

    starts_at: datetime
    ends_at: datetime
    price_minor: int | None
    discount_pct: int | None
    festival_id: int

    def unit_price(self, list_price_minor: int) -> int:
        if self.price_minor is not None:
            return min(self.price_minor, list_price_minor)
        # Rounded down to the whole minor unit: the fraction stays with the buyer.
        return list_price_minor * (100 - (self.discount_pct or 0)) // 100


@dataclass(frozen=True, slots=True)
class UnitPrice:
    """The price to charge per unit, the festival it comes from (None: the list price), and until when
    at most it holds (the next window's start or this one's end)."""

    amount_minor: int
    festival_id: int | None
    until: datetime | None


_entries: dict[int, tuple[float, tuple[Window, ...]]] = {}


def invalidate(product_id: int | None = None) -> None:
    """Forget one product's festival prices (or all of them) in this process."""
    if product_id is None:
        _entries.clear()
    else:
        _entries.pop(product_id, None)


def invalidate_on_commit(session: AsyncSession, product_id: int | None = None) -> None:
    """Forget now, and again once `session` commits (a read in between may have cached the old prices)."""
    invalidate(product_id)
    sa_event.listen(session.sync_session, "after_commit", lambda _s: invalidate(product_id), once=True)


async def _windows(session: AsyncSession, product_id: int, at: datetime) -> tuple[Window, ...]:
    entry = _entries.get(product_id)
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]
    rows = await session.execute(
        select(FestivalPrice.starts_at, FestivalPrice.ends_at, FestivalPrice.price_minor, FestivalPrice.discount_pct,
               FestivalPrice.festival_id)
        .where(FestivalPrice.product_id == product_id, FestivalPrice.ends_at > at)
        .order_by(FestivalPrice.starts_at).limit(100))
    windows = tuple(Window(*row) for row in rows)
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[product_id] = (time.monotonic() + TTL_S, windows)
    return windows


async def effective_unit_price(session: AsyncSession, product: Product, at: datetime) -> UnitPrice:
    """The unit price of `product` bought at `at`: its festival price inside a festival price's window,
    else its list price."""
    until: datetime | None = None
    for window in await _windows(session, product.id, at):
        if window.starts_at <= at < window.ends_at:
            return UnitPrice(window.unit_price(product.price_minor), window.festival_id, window.ends_at)
        if at < window.starts_at:
            until = window.starts_at if until is None else min(until, window.starts_at)
    return UnitPrice(product.price_minor, None, until)
