"""The books: the ledger's own check, and every order matched with the money that moved for it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.ledger.check import LedgerReport, check_ledger
from livestall.ledger.service import ACCOUNTS, ENTRIES, TRANSFERS
from livestall.orders.models import MONEY_IN, Order

ORDERS = Order.__table__


async def check_books(*, session: AsyncSession) -> LedgerReport:
    """Prove the books: balanced transfers, consistent currencies and balances, and orders matched by money."""
    report = await check_ledger(session=session)
    await check_orders(session=session, report=report)
    return report


async def check_orders(*, session: AsyncSession, report: LedgerReport) -> None:
    """Add to `report` every order whose status disagrees with the money its transfers moved."""
    # Money each order brought to shops and the platform, by the kind of transfer that moved it.
    moved: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_order = (select(TRANSFERS.c.order_id, TRANSFERS.c.kind, func.sum(ENTRIES.c.amount_minor))
                 .join(ENTRIES, ENTRIES.c.transfer_id == TRANSFERS.c.id)
                 .join(ACCOUNTS, ACCOUNTS.c.id == ENTRIES.c.account_id)
                 .where(TRANSFERS.c.order_id.is_not(None),
                        ACCOUNTS.c.kind.in_(("shop_revenue", "platform_commission")))
                 .group_by(TRANSFERS.c.order_id, TRANSFERS.c.kind))
    for order_id, kind, amount in await session.execute(per_order):
        moved[order_id][kind] += int(amount)
    orders = select(ORDERS.c.id, ORDERS.c.ref, ORDERS.c.status, ORDERS.c.total_minor, ORDERS.c.paid_at)
    for order_id, ref, status, total, paid_at in await session.execute(orders):
        report.orders_checked += 1
        money = moved.get(order_id, {})
        paid, refunded = money.get("order_payment", 0), -money.get("order_refund", 0)
        if status in MONEY_IN:
            if paid != total or refunded:
                report.add(f"order {order_id} ({ref}) is {status} for {total} but the shop and platform got "
                           f"{paid} and gave back {refunded}")
        elif paid_at is not None:  # paid once, then cancelled or refunded: all of it went back
            if paid != total or refunded != total:
                report.add(f"order {order_id} ({ref}) is {status} after paying {total}: payment {paid}, "
                           f"refund {refunded}")
        elif paid or refunded:
            report.add(f"order {order_id} ({ref}) was never paid but money moved for it: {paid}, {refunded}")
