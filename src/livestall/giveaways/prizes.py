"""Delivering a giveaway's prize to a winner: a zero-price order of one unit, wallet credit, or a voucher.

Credit is a balanced transfer from the shop's takings to the winner's wallet; a voucher is funded by the shop when
it is spent. A unit is taken from stock with one conditional decrement, so a prize never takes a unit sold to a buyer.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.events import Event, publish_on_commit
from livestall.giveaways.models import Giveaway, GiveawayEntry
from livestall.giveaways.personal_vouchers import issue_voucher
from livestall.ledger import flows
from livestall.ledger.service import ACCOUNTS, get_account, post_transfer, shop_key
from livestall.orders.addresses import get_default_shipping
from livestall.orders.combined import do_ride_in_parcel
from livestall.orders.models import Order
from livestall.orders.settle import new_ref
from livestall.orders.stock import take_units

PROVIDER = "giveaway"  # the prize orders' payment_provider: nothing was paid for them


async def shop_balance(session: AsyncSession, shop_id: int, currency: str) -> int:
    """What the shop has taken in and not paid out, in this currency."""
    account = await get_account(session, "shop_revenue", shop_key(shop_id), currency)
    return int(await session.scalar(ACCOUNTS.select().with_only_columns(ACCOUNTS.c.balance_minor)
                                    .where(ACCOUNTS.c.id == account.id)) or 0)


async def _product(session: AsyncSession, giveaway: Giveaway, entry: GiveawayEntry, now: datetime) -> tuple[str, str | None]:
    taken, left = await take_units(session, giveaway.product_id, None, 1, now)
    if not taken:
        return "out_of_stock", None
    # The shelf shows the stock: the room hears what is left, as after any change of it.
    publish_on_commit(session, Event(giveaway.show_id, "stock.changed",
                                     {"product_id": giveaway.product_id, "flash_sale_id": None, "units_left": left}))
    key = f"giveaway:{giveaway.id}:{entry.id}:{uuid.uuid4().hex[:8]}"
    # The winner's default address; none yet: the shop asks for one before shipping (the order shows it empty).
    shipping = await get_default_shipping(session=session, user_id=entry.user_id) or {}
    order = Order(ref=new_ref(), buyer_id=entry.user_id, shop_id=giveaway.shop_id, show_id=giveaway.show_id,
                  product_id=giveaway.product_id, quantity=1, unit_price_minor=0, total_minor=0,
                  currency=giveaway.currency, status="paid", shipping=shipping, idempotency_key=key,
                  request_hash=hashlib.sha256(key.encode()).hexdigest(), reserved_until=now + timedelta(minutes=15),
                  payment_provider=PROVIDER, paid_at=now)
    session.add(order)
    await session.flush()
    await do_ride_in_parcel(session, order)
    return "delivered", order.ref


async def _credit(session: AsyncSession, giveaway: Giveaway, entry: GiveawayEntry) -> tuple[str, str | None]:
    amount = giveaway.amount_minor
    revenue = await get_account(session, "shop_revenue", shop_key(giveaway.shop_id), giveaway.currency)
    # The shop's takings never go below zero: this conditional touch holds the row (PostgreSQL) while the
    # transfer is written, so two prizes at once cannot both spend the last of it.
    held = await session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == revenue.id, ACCOUNTS.c.balance_minor >= amount)
                                 .values(balance_minor=ACCOUNTS.c.balance_minor))
    if held.rowcount != 1:
        return "no_funds", None
    wallet = await flows.wallet_account(session, entry.user_id, giveaway.currency)
    reference = f"giveaway:{giveaway.id}:entry:{entry.id}"
    await post_transfer(session, kind="giveaway_credit", reference=reference, legs=[(revenue, -amount), (wallet, amount)],
                        memo=f"giveaway {giveaway.id} prize: {giveaway.title}", created_by_id=giveaway.created_by_id)
    return "delivered", reference


async def deliver(session: AsyncSession, giveaway: Giveaway, entry: GiveawayEntry,
                  now: datetime) -> tuple[str, str | None]:
    """Give the winner of `entry` the giveaway's prize: (delivered | out_of_stock | no_funds, its reference)."""
    if giveaway.prize == "product":
        return await _product(session, giveaway, entry, now)
    if giveaway.prize == "credit":
        return await _credit(session, giveaway, entry)
    voucher = await issue_voucher(session, prefix="WIN", shop_id=giveaway.shop_id, holder_id=entry.user_id,
                                  currency=giveaway.currency, amount_off_minor=giveaway.amount_minor,
                                  expires_at=now + timedelta(hours=giveaway.voucher_hours or 72),
                                  created_by_id=giveaway.created_by_id)
    return "delivered", voucher.code
