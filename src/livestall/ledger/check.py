"""`livestall ledger check`: every transfer balances, balances match entries, every paid order has its money."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.ledger.models import NON_NEGATIVE
from livestall.ledger.service import ACCOUNTS, ENTRIES, TRANSFERS
from livestall.orders.models import MONEY_IN, Order

ORDERS = Order.__table__
MAX_LISTED = 50  # problems listed one by one; beyond that they are only counted


@dataclass
class LedgerReport:
    """What the check looked at and what it found wrong (nothing, when all is well)."""

    transfers: int = 0
    entries: int = 0
    accounts: int = 0
    orders_checked: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "transfers": self.transfers, "entries": self.entries, "accounts": self.accounts,
                "orders_checked": self.orders_checked, "problem_count": self.problem_count, "problems": self.problems}


async def check_ledger(*, session: AsyncSession) -> LedgerReport:
    """Prove the books: balanced transfers, consistent currencies and balances, and orders matched by money."""
    report = LedgerReport()
    report.transfers = (await session.execute(select(func.count()).select_from(TRANSFERS))).scalar_one()
    report.entries = (await session.execute(select(func.count()).select_from(ENTRIES))).scalar_one()
    report.accounts = (await session.execute(select(func.count()).select_from(ACCOUNTS))).scalar_one()

    legs = (select(TRANSFERS.c.id, TRANSFERS.c.reference, func.count(ENTRIES.c.id), func.coalesce(
        func.sum(ENTRIES.c.amount_minor), 0), func.min(ENTRIES.c.currency), func.max(ENTRIES.c.currency))
        .select_from(TRANSFERS.outerjoin(ENTRIES, ENTRIES.c.transfer_id == TRANSFERS.c.id)).group_by(TRANSFERS.c.id))
    for transfer_id, reference, count, total, low, high in await session.execute(legs):
        if count < 2 or total != 0 or low != high:
            report.add(f"transfer {transfer_id} ({reference}) does not balance: {count} entries summing to "
                       f"{total} in {low}..{high}")

    mixed = (select(ENTRIES.c.id, ENTRIES.c.currency, ACCOUNTS.c.currency)
             .join(ACCOUNTS, ACCOUNTS.c.id == ENTRIES.c.account_id).where(ENTRIES.c.currency != ACCOUNTS.c.currency))
    for entry_id, entry_currency, account_currency in await session.execute(mixed):
        report.add(f"entry {entry_id} is in {entry_currency} on a {account_currency} account")

    sums = (select(ACCOUNTS.c.id, ACCOUNTS.c.kind, ACCOUNTS.c.owner_key, ACCOUNTS.c.currency, ACCOUNTS.c.balance_minor,
                   func.coalesce(func.sum(ENTRIES.c.amount_minor), 0))
            .select_from(ACCOUNTS.outerjoin(ENTRIES, ENTRIES.c.account_id == ACCOUNTS.c.id)).group_by(ACCOUNTS.c.id))
    for account_id, kind, owner, currency, kept, summed in await session.execute(sums):
        if kept != summed:
            report.add(f"account {account_id} ({kind} {owner} {currency}) shows {kept} but its entries sum to {summed}")
        if kind in NON_NEGATIVE and summed < 0:
            report.add(f"account {account_id} ({kind} {owner} {currency}) is overdrawn: {summed}")

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
    return report
