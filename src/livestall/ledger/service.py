"""Accounts and balanced transfers: every money movement is one transfer whose entries sum to zero."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select, update

from livestall.db import Bind, insert_ignoring_conflicts, utcnow
from livestall.errors import Conflict
from livestall.ledger.models import NON_NEGATIVE, LedgerAccount, LedgerEntry, LedgerTransfer
from livestall.money import Money

ACCOUNTS = LedgerAccount.__table__
TRANSFERS = LedgerTransfer.__table__
ENTRIES = LedgerEntry.__table__

PLATFORM = "platform"


class UnbalancedTransfer(AssertionError):
    """A transfer whose legs do not sum to zero: a bug, never a user's mistake."""


@dataclass(frozen=True, slots=True)
class Account:
    """The parts of a ledger account a transfer needs."""

    id: int
    kind: str
    owner_key: str
    currency: str


async def get_account(bind: Bind, kind: str, owner_key: str, currency: str) -> Account:
    """The account, created on first use (safely when several processes race to create it)."""
    query = select(ACCOUNTS.c.id).where(ACCOUNTS.c.kind == kind, ACCOUNTS.c.owner_key == owner_key,
                                        ACCOUNTS.c.currency == currency)
    account_id = (await bind.execute(query)).scalar()
    if account_id is None:
        stmt = insert_ignoring_conflicts(bind, ACCOUNTS, ["kind", "owner_key", "currency"])
        await bind.execute(stmt.values(kind=kind, owner_key=owner_key, currency=currency, balance_minor=0,
                                       created_at=utcnow()))
        account_id = (await bind.execute(query)).scalar_one()
    return Account(account_id, kind, owner_key, currency)


def wallet_key(user_id: int) -> str:
    return f"user:{user_id}"


def shop_key(shop_id: int) -> str:
    return f"shop:{shop_id}"


async def post_transfer(
    bind: Bind, *, kind: str, reference: str, legs: list[tuple[Account, int]], order_id: int | None = None,
    memo: str = "", created_by_id: int | None = None,
) -> int:
    """Record one balanced transfer; a wallet leg that would overdraw raises Conflict (nothing is written)."""
    legs = [(account, amount) for account, amount in legs if amount != 0]
    currencies = {account.currency for account, _ in legs}
    if len(legs) < 2 or sum(amount for _, amount in legs) != 0 or len(currencies) != 1:
        raise UnbalancedTransfer(f"transfer {reference!r} does not balance: {legs}")
    # Balances first: a wallet's conditional update is what refuses an overdraft across processes.
    # Always in account order, so that two transfers touching the same accounts cannot deadlock.
    for account, amount in sorted(legs, key=lambda leg: leg[0].id):
        stmt = update(ACCOUNTS).where(ACCOUNTS.c.id == account.id).values(
            balance_minor=ACCOUNTS.c.balance_minor + amount)
        if account.kind in NON_NEGATIVE and amount < 0:
            stmt = stmt.where(ACCOUNTS.c.balance_minor + amount >= 0)
        if (await bind.execute(stmt)).rowcount != 1:
            money = Money(-amount, account.currency).format()
            raise Conflict.field("amount", "sufficient_funds", f"the wallet holds less than {money}")
    transfer_id = (await bind.execute(
        insert(TRANSFERS).values(kind=kind, reference=reference, order_id=order_id, memo=memo[:200],
                                 created_by_id=created_by_id, created_at=utcnow()).returning(TRANSFERS.c.id)
    )).scalar_one()
    await bind.execute(insert(ENTRIES), [
        {"transfer_id": transfer_id, "account_id": account.id, "amount_minor": amount, "currency": account.currency}
        for account, amount in legs
    ])
    return transfer_id


async def transfer_exists(bind: Bind, reference: str) -> bool:
    """Whether a transfer with this reference was already recorded."""
    return (await bind.execute(select(TRANSFERS.c.id).where(TRANSFERS.c.reference == reference))).first() is not None


async def get_balance(bind: Bind, account_id: int) -> int:
    """The account's balance, summed from its entries."""
    total = (await bind.execute(select(func.coalesce(func.sum(ENTRIES.c.amount_minor), 0))
                                .where(ENTRIES.c.account_id == account_id))).scalar_one()
    return int(total)


async def list_wallets(bind: Bind, user_id: int) -> list[dict]:
    """The user's wallets, one per currency, with balances summed from entries."""
    rows = await bind.execute(
        select(ACCOUNTS.c.id, ACCOUNTS.c.currency, func.coalesce(func.sum(ENTRIES.c.amount_minor), 0))
        .select_from(ACCOUNTS.outerjoin(ENTRIES, ENTRIES.c.account_id == ACCOUNTS.c.id))
        .where(ACCOUNTS.c.kind == "buyer_wallet", ACCOUNTS.c.owner_key == wallet_key(user_id))
        .group_by(ACCOUNTS.c.id, ACCOUNTS.c.currency).order_by(ACCOUNTS.c.currency)
    )
    return [{"account_id": r[0], "balance": Money(int(r[2]), r[1]).as_dict()} for r in rows]


async def list_entries(bind: Bind, account_ids: list[int], limit: int = 50) -> list[dict]:
    """The latest entries of these accounts, newest first, with their transfer's kind and memo."""
    if not account_ids:
        return []
    rows = await bind.execute(
        select(ENTRIES.c.id, ENTRIES.c.amount_minor, ENTRIES.c.currency, TRANSFERS.c.kind, TRANSFERS.c.memo,
               TRANSFERS.c.order_id, TRANSFERS.c.created_at)
        .join(TRANSFERS, TRANSFERS.c.id == ENTRIES.c.transfer_id)
        .where(ENTRIES.c.account_id.in_(account_ids)).order_by(ENTRIES.c.id.desc()).limit(limit)
    )
    return [{"id": r[0], "amount": Money(int(r[1]), r[2]).as_dict(), "kind": r[3], "memo": r[4], "order_id": r[5],
             "at": r[6]} for r in rows]
