"""Who funds a voucher's discount, and handing it back when the voucher's order is cancelled or refunded."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.db import utcnow
from livestall.festivals.models import Voucher, VoucherRedemption
from livestall.ledger import flows
from livestall.ledger.service import PLATFORM, Account, get_account, post_transfer, shop_key

PROVIDER = "voucher"  # the orders' payment_provider: a refund is owed back through the voucher clearing
SUBSIDY_KIND = "festival_subsidy"
VOUCHERS = Voucher.__table__
REDEMPTIONS = VoucherRedemption.__table__
# Orders are handed in by the orders area, which pays and refunds them through vouchers: festivals read
# an order's fields but never import orders (orders build on festival prices and vouchers).


async def funder_account(session: AsyncSession, voucher: Voucher, currency: str) -> Account:
    """Who pays for the discount: the issuing shop's revenue, or the platform's festival subsidy."""
    if voucher.shop_id is not None:
        return await get_account(session, "shop_revenue", shop_key(voucher.shop_id), currency)
    return await get_account(session, SUBSIDY_KIND, PLATFORM, currency)


async def give_back_voucher(session: AsyncSession, order) -> None:
    """In the refund's transaction, once the refund is owed back through the voucher clearing: the buyer
    gets what they paid, the issuer the discount, and the voucher its use."""
    if order.payment_provider != PROVIDER:
        return
    found = (await session.execute(
        select(VoucherRedemption, Voucher).join(Voucher, Voucher.id == VoucherRedemption.voucher_id)
        .where(VoucherRedemption.order_id == order.id, VoucherRedemption.reversed_at.is_(None)))).first()
    if found is None:
        return
    redemption, voucher = found
    reversed_now = await session.execute(update(REDEMPTIONS).where(
        REDEMPTIONS.c.id == redemption.id, REDEMPTIONS.c.reversed_at.is_(None)).values(reversed_at=utcnow()))
    if reversed_now.rowcount != 1:  # given back already by whoever won the race on this order
        return
    owed = await get_account(session, "refunds", PROVIDER, order.currency)
    wallet = await flows.wallet_account(session, order.buyer_id, order.currency)
    funder = await funder_account(session, voucher, order.currency)
    await post_transfer(session, kind="voucher_reversal", reference=f"order:{order.id}:voucher-reversal",
                        order_id=order.id, memo=f"voucher {voucher.code} given back, order {order.ref}",
                        legs=[(owed, -order.total_minor), (wallet, redemption.paid_minor),
                              (funder, redemption.discount_minor)])
    await session.execute(update(VOUCHERS).where(VOUCHERS.c.id == voucher.id, VOUCHERS.c.uses > 0)
                          .values(uses=VOUCHERS.c.uses - 1))
