"""A festival's figures: GMV, orders and units of its participating shops inside its window, by shop.

An order counts when it was placed inside the window and its money is in (paid, shipped or
delivered: a cancelled or refunded order drops out). GMV is the orders' totals before vouchers. A paid
opening bought in one of the shops' shows inside the window is a sale too (one unit at its ticket's price,
out again if it ends refunded); the order that ships its contents is not a second one.
Figures are kept for `TTL_S` per festival, so that a crowd polling the leaderboard runs the query
about once per TTL per process. Insights reads festivals and orders; festivals never read orders.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Shop
from livestall.db import utcnow
from livestall.festivals.models import Festival, FestivalShop
from livestall.festivals.schemas import FestivalFigures, ShopStanding
from livestall.festivals.service import count_shops, festival_read
from livestall.money import Money, convert
from livestall.insights.opening_sales import OPENING_PROVIDER, paid_openings
from livestall.openings.models import OpeningTicket
from livestall.orders.models import MONEY_IN, Order
from livestall.shows.models import Show

TTL_S = 2.0
_cache: dict[tuple[int, int], tuple[float, FestivalFigures]] = {}


async def compute_figures(*, session: AsyncSession, festival: Festival, fx_per_usd: dict[str, Decimal],
                          top: int = 20, now: datetime | None = None) -> FestivalFigures:
    """The festival's totals and its top `top` shops by GMV, computed now."""
    now = now or utcnow()
    rows = list(await session.execute(
        select(Order.shop_id, Order.currency, func.count(), func.sum(Order.quantity), func.sum(Order.total_minor))
        .join(FestivalShop, (FestivalShop.shop_id == Order.shop_id) & (FestivalShop.festival_id == festival.id))
        .where(Order.created_at >= festival.starts_at, Order.created_at < festival.ends_at,
               Order.status.in_(MONEY_IN), Order.payment_provider.is_distinct_from(OPENING_PROVIDER))
        .group_by(Order.shop_id, Order.currency)))
    rows += await _openings(session, festival)
    per_shop: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # gmv in festival currency, orders, units
    by_currency: dict[str, int] = defaultdict(int)
    for shop_id, currency, orders, units, gmv in rows:
        gmv = int(gmv or 0)
        by_currency[currency] += gmv
        # Other currencies are ranked by the display rates: a leaderboard, not an account.
        shown = convert(Money(gmv, currency), festival.currency, fx_per_usd)
        per_shop[shop_id][0] += shown.amount_minor if shown else 0
        per_shop[shop_id][1] += int(orders)
        per_shop[shop_id][2] += int(units or 0)
    ranked = sorted(per_shop.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))[:top]
    names = dict((await session.execute(select(Shop.id, Shop.name).where(
        Shop.id.in_([shop_id for shop_id, _ in ranked])))).all()) if ranked else {}
    shop_count = (await count_shops(session=session, festival_ids=[festival.id])).get(festival.id, 0)
    board = [ShopStanding(rank=i + 1, shop_id=shop_id, name=names.get(shop_id, ""),
                          gmv=Money(gmv, festival.currency).as_dict(), orders=orders, units=units)
             for i, (shop_id, (gmv, orders, units)) in enumerate(ranked)]
    return FestivalFigures(
        festival=festival_read(festival, shop_count, now),
        **_countdown(festival, now),
        gmv=Money(sum(v[0] for v in per_shop.values()), festival.currency).as_dict(),
        gmv_by_currency=[Money(v, c).as_dict() for c, v in sorted(by_currency.items())],
        orders=sum(v[1] for v in per_shop.values()), units=sum(v[2] for v in per_shop.values()),
        shops=shop_count, leaderboard=board, computed_at=now)


async def _openings(session: AsyncSession, festival: Festival) -> list[tuple[int, str, int, int, int]]:
    """Paid openings bought in the festival's shops' shows inside its window, as (shop, currency, sales, units,
    GMV) rows like the orders': each opening is one sale of one unit at its ticket's price."""
    festival_shows = select(Show.id).join(FestivalShop, (FestivalShop.shop_id == Show.shop_id)
                                          & (FestivalShop.festival_id == festival.id))
    paid = await paid_openings(session, OpeningTicket.show_id.in_(festival_shows),
                               OpeningTicket.created_at >= festival.starts_at,
                               OpeningTicket.created_at < festival.ends_at)
    if not paid:
        return []
    shop_of = dict((await session.execute(select(Show.id, Show.shop_id).where(
        Show.id.in_({show_id for show_id, *_ in paid})))).all())
    totals: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])  # sales, GMV
    for show_id, _buyer, price, currency in paid:
        total = totals[(shop_of[show_id], currency)]
        total[0] += 1
        total[1] += price
    return [(shop_id, currency, sales, sales, gmv) for (shop_id, currency), (sales, gmv) in totals.items()]


def _countdown(festival: Festival, now: datetime) -> dict[str, int]:
    """Seconds until the festival starts, and seconds of it left (its whole length before it starts)."""
    return {"seconds_to_start": max(0, int((festival.starts_at - now).total_seconds())),
            "seconds_left": max(0, int((festival.ends_at - max(now, festival.starts_at)).total_seconds()))}


async def get_figures(*, session: AsyncSession, festival: Festival, fx_per_usd: dict[str, Decimal],
                      top: int = 20) -> FestivalFigures:
    """The festival's figures, at most `TTL_S` old."""
    key = (festival.id, top)
    entry = _cache.get(key)
    if entry is not None and entry[0] > time.monotonic():  # the countdown moves on even when the figures are kept
        return entry[1].model_copy(update=_countdown(festival, utcnow()))
    figures = await compute_figures(session=session, festival=festival, fx_per_usd=fx_per_usd, top=top)
    if len(_cache) > 1000:
        _cache.clear()
    _cache[key] = (time.monotonic() + TTL_S, figures)
    return figures
