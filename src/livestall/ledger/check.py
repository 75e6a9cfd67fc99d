"""The ledger's own proof: transfers balance, currencies agree, balances match entries (orders: orders/books.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.ledger.models import NON_NEGATIVE
from livestall.ledger.service import ACCOUNTS, ENTRIES, TRANSFERS

MAX_LISTED = 50  # problems listed one by one; beyond that they are only counted
# Accounts the check holds to zero or above though a transfer may move them: a shop cannot pay out money it has
# not taken in (a fee it cannot cover is owed instead, agency/payables.py).
NEVER_BELOW_ZERO = NON_NEGATIVE | {"shop_revenue"}


@dataclass
class LedgerReport:
    """What the check looked at and what it found wrong (nothing, when all is well)."""

    transfers: int = 0
    entries: int = 0
    accounts: int = 0
    orders_checked: int = 0  # filled in by the orders' part of the check
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
    """Prove the ledger: balanced transfers, consistent currencies, balances equal to their entries, none overdrawn."""
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
        if kind in NEVER_BELOW_ZERO and summed < 0:
            report.add(f"account {account_id} ({kind} {owner} {currency}) is overdrawn: {summed}")
    return report
