"""The money of an order: its payment, its refund, and a provider's payment that no order could use."""

from __future__ import annotations

from sqlalchemy import select

from livestall.db import Bind
from livestall.ledger.flows import clearing_account, commission_of, wallet_account
from livestall.ledger.service import (
    ACCOUNTS, ENTRIES, PLATFORM, TRANSFERS, Account, get_account, post_transfer, shop_key,
)
from livestall.orders.models import Order


async def post_order_payment(bind: Bind, order: Order, source: Account, *, commission_bps: int,
                             created_by_id: int | None = None) -> int:
    """The buyer's money (from a wallet or a provider) to the shop's revenue and the platform's commission."""
    commission = commission_of(order.total_minor, commission_bps)
    revenue = await get_account(bind, "shop_revenue", shop_key(order.shop_id), order.currency)
    platform = await get_account(bind, "platform_commission", PLATFORM, order.currency)
    return await post_transfer(
        bind, kind="order_payment", reference=f"order:{order.id}:payment", order_id=order.id,
        legs=[(source, -order.total_minor), (revenue, order.total_minor - commission), (platform, commission)],
        memo=f"order {order.ref}", created_by_id=created_by_id,
    )


async def post_order_refund(bind: Bind, order: Order, *, created_by_id: int | None = None) -> int | None:
    """Undo the order's payment exactly: back to the wallet it came from, or owed back through the provider.
    None when nothing was paid (a free order, such as an opening's contents): no money moves back."""
    paid = await bind.execute(
        select(ACCOUNTS.c.id, ACCOUNTS.c.kind, ACCOUNTS.c.owner_key, ACCOUNTS.c.currency, ENTRIES.c.amount_minor)
        .join(ENTRIES, ENTRIES.c.account_id == ACCOUNTS.c.id).join(TRANSFERS, TRANSFERS.c.id == ENTRIES.c.transfer_id)
        .where(TRANSFERS.c.reference == f"order:{order.id}:payment"))
    legs: list[tuple[Account, int]] = []
    total = 0
    for account_id, kind, owner_key, currency, amount in paid:
        if amount > 0:
            legs.append((Account(account_id, kind, owner_key, currency), -amount))
            total += amount
    if not total:
        return None
    if order.payment_provider == "wallet":
        back = await wallet_account(bind, order.buyer_id, order.currency)
    else:
        back = await get_account(bind, "refunds", order.payment_provider or "unknown", order.currency)
    return await post_transfer(bind, kind="order_refund", reference=f"order:{order.id}:refund", order_id=order.id,
                               legs=[*legs, (back, total)], memo=f"refund of order {order.ref}",
                               created_by_id=created_by_id)


async def post_unmatched_payment(bind: Bind, *, provider: str, amount_minor: int, currency: str, reference: str,
                                 memo: str) -> int:
    """A provider took money we cannot use (the order expired or was paid already): it is owed back."""
    clearing = await clearing_account(bind, provider, currency)
    owed = await get_account(bind, "refunds", provider, currency)
    return await post_transfer(bind, kind="unmatched_payment", reference=reference,
                               legs=[(clearing, -amount_minor), (owed, amount_minor)], memo=memo)
