"""The festivals' background job: a voucher-paid order that was cancelled or refunded gives the money back
to whoever put it in (the buyer what they paid, the issuer the discount) and frees the voucher use."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.db import utcnow
from livestall.festivals.models import Voucher, VoucherRedemption
from livestall.festivals.vouchers import PROVIDER, VOUCHERS, funder_account
from livestall.ledger import flows
from livestall.ledger.service import get_account, post_transfer, transfer_exists
from livestall.orders.models import Order

log = logging.getLogger("livestall.festivals.jobs")
REDEMPTIONS = VoucherRedemption.__table__
LOOKBACK = timedelta(days=1)  # a running process looks at orders closed this recently
BATCH = 200


async def reverse_closed(*, session: AsyncSession, now: datetime, closed_since: datetime | None = None,
                         limit: int = BATCH) -> int:
    """Settle the redemptions of voucher orders cancelled or refunded (since `closed_since`, else ever)
    and not settled yet; how many were settled."""
    # From the voucher orders closed lately (index on provider and closing time), not from every
    # cancelled order nor every redemption: both only grow.
    query = (select(VoucherRedemption, Order, Voucher).select_from(Order)
             .join(VoucherRedemption, VoucherRedemption.order_id == Order.id)
             .join(Voucher, Voucher.id == VoucherRedemption.voucher_id)
             .where(Order.payment_provider == PROVIDER, Order.status.in_(("cancelled", "refunded")),
                    VoucherRedemption.reversed_at.is_(None)))
    if closed_since is not None:
        query = query.where(Order.closed_at >= closed_since)
    rows = (await session.execute(query.limit(limit))).all()
    done = 0
    for redemption, order, voucher in rows:
        if not await transfer_exists(session, f"order:{order.id}:refund"):
            continue  # the refund has not been booked yet
        claimed = await session.execute(update(REDEMPTIONS).where(
            REDEMPTIONS.c.id == redemption.id, REDEMPTIONS.c.reversed_at.is_(None)).values(reversed_at=now))
        if claimed.rowcount != 1:  # another process settled it
            continue
        owed = await get_account(session, "refunds", PROVIDER, order.currency)
        wallet = await flows.wallet_account(session, order.buyer_id, order.currency)
        funder = await funder_account(session, voucher, order.currency)
        await post_transfer(session, kind="voucher_reversal", reference=f"order:{order.id}:voucher-reversal",
                            order_id=order.id, memo=f"voucher {voucher.code} given back, order {order.ref}",
                            legs=[(owed, -order.total_minor), (wallet, redemption.paid_minor),
                                  (funder, redemption.discount_minor)])
        await session.execute(update(VOUCHERS).where(VOUCHERS.c.id == voucher.id, VOUCHERS.c.uses > 0)
                              .values(uses=VOUCHERS.c.uses - 1))
        done += 1
    return done


async def _loop(app, interval_s: float) -> None:
    caught_up = False  # the first pass looks at every closed voucher order: the process may have been down
    while True:
        await asyncio.sleep(interval_s)
        try:
            async with app.state.sessionmaker() as session:
                async with session.begin():
                    now = utcnow()
                    since = now - LOOKBACK if caught_up else None
                    while await reverse_closed(session=session, now=now, closed_since=since, limit=BATCH) == BATCH:
                        pass  # a backlog: settle it all in this pass
            caught_up = True
        except Exception:  # a busy database: try again next tick
            log.exception("voucher reversal failed")


@asynccontextmanager
async def festival_jobs(app):
    """Run the voucher reversal every few seconds while the app runs."""
    task = asyncio.create_task(_loop(app, max(1.0, app.state.settings.order_jobs_interval_s)))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
