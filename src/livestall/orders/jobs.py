"""The selling service of a process: the purchase batcher, the offer cache, the clock job that expires
reservations and starts and ends flash sales, and the resending of card refunds Stripe could not be reached for."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from livestall import metrics
from livestall.db import make_engine, utcnow
from livestall.ledger.providers.card_refunds import send_waiting
from livestall.orders.batcher import PurchaseBatcher
from livestall.orders.flash import run_flash_clock
from livestall.orders.buying import BuyingDesk
from livestall.orders.offers import OfferCache
from livestall.orders.service import expire_due

log = logging.getLogger("livestall.orders.jobs")
SLOW_TICK_S = 2.0


async def run_clock_once(sessionmaker, fx_per_usd) -> tuple[int, int]:
    """One tick: (reservations expired, flash sales started or ended); each in its own transaction."""
    now = utcnow()
    async with sessionmaker() as session:
        async with session.begin():
            expired = await expire_due(session=session, now=now)
    async with sessionmaker() as session:
        async with session.begin():
            changed = await run_flash_clock(session=session, now=now, fx_per_usd=fx_per_usd)
    return expired, changed


async def _clock(sessionmaker, fx_per_usd, interval_s: float) -> None:
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval_s)
        started = loop.time()
        try:
            with metrics.job_pass("order-clock"):
                await run_clock_once(sessionmaker, fx_per_usd)
        except Exception:  # a busy database or a lost connection: try again next tick
            log.exception("order clock tick failed")
        took = loop.time() - started
        if took > SLOW_TICK_S:  # flash sales start late: say so, a held write lock is the usual cause
            log.warning("order clock tick took %.1f s", took)


async def _resend_card_refunds(sessionmaker, settings) -> None:
    """Refunds recorded while Stripe could not be reached go out once it can, without waiting for another refund."""
    while True:
        await asyncio.sleep(settings.card_refund_retry_s)
        try:
            await send_waiting(sessionmaker, settings)
        except Exception:  # a busy database or a lost connection: try again next time
            log.exception("resending card refunds failed")


@dataclass
class Selling:
    """What buy-now reaches: the offer cache, the purchase writer and the buying flow over both."""

    offers: OfferCache
    purchases: PurchaseBatcher
    desk: BuyingDesk


@asynccontextmanager
async def selling(settings, sessionmaker, publish):
    """Start the batcher (on an engine of its own, so a rush of requests can never starve its writer) and the
    clock that expires reservations and starts and ends flash sales."""
    engine = make_engine(settings.database_url) if settings.is_sqlite else make_engine(
        settings.database_url, pool_size=4, max_overflow=4)
    purchases = PurchaseBatcher(engine, reservation=timedelta(minutes=settings.reservation_minutes),
                                max_batch=settings.purchase_batch_max, publish=publish)
    clock = asyncio.create_task(_clock(sessionmaker, settings.fx_per_usd, settings.order_jobs_interval_s))
    refunds = asyncio.create_task(_resend_card_refunds(sessionmaker, settings)) if settings.stripe_secret_key else None
    try:
        offers = OfferCache()
        yield Selling(offers, purchases, BuyingDesk(sessionmaker, offers, purchases, settings))
    finally:
        for task in (clock, refunds):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (clock, refunds) if t is not None), return_exceptions=True)
        await purchases.close()
        await engine.dispose()
