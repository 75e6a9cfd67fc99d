"""The demo host's selling: products pinned and a flash sale always coming, set up through the HTTP API as the
studio does (the checks are read in-process, so that the app's request log is not filled by the demo)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.orders.flash import list_flash_sales
from livestall.orders.shelf import list_shelf
from livestall.orders.stock import OPEN_FLASH

log = logging.getLogger("livestall.demo")

COUNTDOWN_S = 60  # the room counts down this long before each sale opens
SALE_S = 120
MOST_UNITS = 5


def sale_price(list_minor: int) -> int:
    """About 30% off, in whole yuan ending in 9 (128.00 becomes 89.00, 588.00 becomes 409.00)."""
    whole = list_minor * 7 // 1000
    return min(list_minor, max(9, whole - (whole - 9) % 10) * 100)


async def pin_products(http: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], show_id: int,
                       product_ids: list[int]) -> None:
    """Pin the shop's products when the shelf is empty; a shelf the host arranged is left as it is."""
    async with sessionmaker() as session:
        if await list_shelf(session=session, show_id=show_id) or not product_ids:
            return
    pinned = await http.put(f"/api/v1/shows/{show_id}/pins", json={"product_ids": product_ids})
    pinned.raise_for_status()
    log.info("demo show %s: %s products pinned", show_id, len(product_ids), extra={"show_id": show_id})


async def keep_a_sale_coming(http: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession],
                             show_id: int) -> None:
    """When no flash sale of the show is counting down or running, set up the next one on a pinned product."""
    async with sessionmaker() as session:
        sales = await list_flash_sales(session=session, show_id=show_id)
        if any(sale.status in OPEN_FLASH for sale in sales):
            return
        products = [product for _, product, _ in await list_shelf(session=session, show_id=show_id)]
    turn = len(sales) % max(1, len(products))  # each sale on the next product of the shelf
    for product in products[turn:] + products[:turn]:
        units = min(MOST_UNITS, product.stock // 2)
        if units < 1:
            continue
        starts_at = datetime.now(timezone.utc) + timedelta(seconds=COUNTDOWN_S)
        made = await http.post(f"/api/v1/shows/{show_id}/flash-sales", json={
            "product_id": product.id, "starts_at": starts_at.isoformat(), "duration_s": SALE_S,
            "sale_price_minor": sale_price(product.price_minor), "units": units, "per_buyer_limit": 1,
            "countdown_s": COUNTDOWN_S})
        if made.status_code == 201:
            log.info("demo show %s: a flash sale of %s opens in %s s", show_id, product.title, COUNTDOWN_S,
                     extra={"show_id": show_id, "flash_sale_id": made.json()["id"]})
            return
        log.info("demo show %s: no flash sale of %s: %s", show_id, product.title, made.text[:200])
