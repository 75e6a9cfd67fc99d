"""Fees a brand owes an agency: charged from the revenue the brand has, the rest owed and settled later."""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Shop
from livestall.errors import Conflict
from livestall.ledger.service import ACCOUNTS, Account, get_account, post_transfer, shop_key
from livestall.money import Money

# What a brand owes one agency, per currency: the balance runs below zero by what is owed, never above zero.
PAYABLE = "brand_payable"


class PayableRead(BaseModel):
    shop_id: int
    shop_name: str
    agency_id: int
    owed: dict
    revenue: dict  # what the shop's revenue account holds now, to settle with


def payable_key(shop_id: int, agency_id: int) -> str:
    return f"{shop_key(shop_id)}/agency:{agency_id}"


async def _locked_balance(session: AsyncSession, account: Account) -> int:
    """The account's balance, its row locked until commit so that no other payout or refund reads it meanwhile."""
    await session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account.id)
                          .values(balance_minor=ACCOUNTS.c.balance_minor))
    return int((await session.execute(select(ACCOUNTS.c.balance_minor).where(ACCOUNTS.c.id == account.id)))
               .scalar_one())


async def charge_brand(session: AsyncSession, *, shop_id: int, agency_id: int, agency: Account, amount: int,
                       reference: str, memo: str, created_by_id: int) -> int:
    """Move `amount` from the brand to the agency: from its revenue as far as it goes, the rest owed. Returns owed."""
    revenue = await get_account(session, "shop_revenue", shop_key(shop_id), agency.currency)
    payable = await get_account(session, PAYABLE, payable_key(shop_id, agency_id), agency.currency)
    # both rows locked in account order, as post_transfer and do_settle do, so that they cannot deadlock
    balances = {a.id: await _locked_balance(session, a) for a in sorted((payable, revenue), key=lambda a: a.id)}
    charged = min(amount, max(0, balances[revenue.id]))
    owed = amount - charged
    await post_transfer(session, kind="agency_fee", reference=reference, memo=memo, created_by_id=created_by_id,
                        legs=[(revenue, -charged), (payable, -owed), (agency, amount)])
    return owed


async def list_payables(*, session: AsyncSession, agency_id: int | None = None,
                        shop_ids: list[int] | None = None) -> list[PayableRead]:
    """What brands owe: to one agency, or by some shops to every agency; settled ones are left out."""
    query = select(ACCOUNTS.c.owner_key, ACCOUNTS.c.currency, ACCOUNTS.c.balance_minor).where(
        ACCOUNTS.c.kind == PAYABLE, ACCOUNTS.c.balance_minor < 0)
    if agency_id is not None:
        query = query.where(ACCOUNTS.c.owner_key.like(f"shop:%/agency:{agency_id}"))
    rows = []
    for owner_key, currency, balance in await session.execute(query.order_by(ACCOUNTS.c.id)):
        shop_part, agency_part = owner_key.split("/")
        shop_id, owed_to = int(shop_part.removeprefix("shop:")), int(agency_part.removeprefix("agency:"))
        if (agency_id is None or owed_to == agency_id) and (shop_ids is None or shop_id in shop_ids):
            rows.append((shop_id, owed_to, currency, -int(balance)))
    shops = {s.id: s for s in await session.scalars(select(Shop).where(Shop.id.in_({r[0] for r in rows})))} \
        if rows else {}
    out = []
    for shop_id, owed_to, currency, owed in rows:
        revenue = await get_account(session, "shop_revenue", shop_key(shop_id), currency)
        held = (await session.execute(select(ACCOUNTS.c.balance_minor).where(ACCOUNTS.c.id == revenue.id))).scalar()
        out.append(PayableRead(shop_id=shop_id, shop_name=shops[shop_id].name if shop_id in shops else "",
                               agency_id=owed_to, owed=Money(owed, currency).as_dict(),
                               revenue=Money(int(held or 0), currency).as_dict()))
    return out


async def do_settle(*, session: AsyncSession, shop_id: int, agency_id: int, currency: str,
                    settled_by_id: int) -> PayableRead:
    """Pay what the brand owes the agency from its revenue, as far as the revenue goes: one balanced transfer."""
    payable = await get_account(session, PAYABLE, payable_key(shop_id, agency_id), currency)
    revenue = await get_account(session, "shop_revenue", shop_key(shop_id), currency)
    # both rows locked in account order, as post_transfer does, so that two settlements cannot deadlock
    balances = {a.id: await _locked_balance(session, a) for a in sorted((payable, revenue), key=lambda a: a.id)}
    owed, held = -balances[payable.id], balances[revenue.id]
    if owed <= 0:
        raise Conflict.field("currency", "amount_owed", f"the shop owes this agency nothing in {currency}")
    amount = min(owed, held)
    if amount <= 0:
        raise Conflict.field("currency", "revenue_available",
                             f"the shop's revenue holds no {currency} to settle with yet")
    await post_transfer(session, kind="agency_fee_settled", reference=f"payable:{payable.id}:{uuid.uuid4().hex}",
                        legs=[(revenue, -amount), (payable, amount)], memo=f"fees owed to agency {agency_id}",
                        created_by_id=settled_by_id)
    shop = await session.get(Shop, shop_id)
    return PayableRead(shop_id=shop_id, shop_name=shop.name if shop else "", agency_id=agency_id,
                       owed=Money(owed - amount, currency).as_dict(), revenue=Money(held - amount, currency).as_dict())

