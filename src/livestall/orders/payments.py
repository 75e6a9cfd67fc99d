"""Paying an order: from the wallet, by a Stripe checkout or with a voucher, and Stripe's word that it was paid.

The first paid order of a parcel also pays the parcel's shipping fee (orders/combined.py), from the same
wallet or within the same checkout."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.db import utcnow
from livestall.errors import Conflict
from livestall.festivals.models import VoucherRedemption
from livestall.festivals.vouchers import PROVIDER as VOUCHER, do_redeem_voucher
from livestall.ledger.flows import clearing_account, wallet_account
from livestall.ledger.models import PaymentCheckout
from livestall.ledger.providers import PaymentResult, get_provider
from livestall.ledger.providers.stripe import StripeProvider
from livestall.money import Money
from livestall.orders import combined
from livestall.orders.models import Order
from livestall.orders.service import do_mark_paid
from livestall.orders.transfers import post_unmatched_payment
from livestall.settings import Settings


async def pay_from_wallet(*, session: AsyncSession, order: Order, buyer: User, commission_bps: int) -> PaymentResult:
    """Move the order's total from the buyer's wallet to the shop and the platform, and mark it paid."""
    await combined.fee_due(session, order)  # refuses a country the shop does not ship to, before money moves
    source = await wallet_account(session, buyer.id, order.currency)
    await do_mark_paid(session=session, order=order, provider="wallet", source=source, commission_bps=commission_bps)
    await combined.do_join_parcel(session, order, source=source)
    return PaymentResult("paid", "wallet")


async def pay_by_checkout(*, session: AsyncSession, order: Order, buyer: User, stripe: StripeProvider) -> PaymentResult:
    """A Checkout Session for the order's total (the same one again while it is open)."""
    if order.status != "reserved":
        raise Conflict.field("status", "not_paid", f"a {order.status} order cannot be paid")
    if order.reserved_until <= utcnow():
        raise Conflict.field("status", "reservation_open", "the reservation expired; buy again")
    fee = await combined.fee_due(session, order)
    return await stripe.checkout(
        session=session, purpose="order", title=f"Order {order.ref}",
        amount=Money(order.total_minor + fee, order.currency), reference=f"order-{order.id}",
        metadata={"order_id": str(order.id), "shipping_minor": str(fee)}, return_path=f"/orders/{order.id}",
        user_id=buyer.id, order_id=order.id)


async def pay_order(*, session: AsyncSession, order: Order, buyer: User, provider: str,
                    settings: Settings) -> PaymentResult:
    """Pay a reserved order with the provider named, or start paying it; Invalid if it is not offered here."""
    chosen = get_provider(provider, settings)
    if isinstance(chosen, StripeProvider):
        return await pay_by_checkout(session=session, order=order, buyer=buyer, stripe=chosen)
    return await pay_from_wallet(session=session, order=order, buyer=buyer, commission_bps=settings.commission_bps)


async def complete_order_checkout(session: AsyncSession, checkout: PaymentCheckout, *, commission_bps: int) -> str:
    """Stripe took an order's money: the order is paid ("paid"), or the money is owed back ("refund_owed")."""
    clearing = await clearing_account(session, "stripe", checkout.currency)
    order = await session.get(Order, checkout.order_id)
    if order is not None:
        try:
            # In a savepoint: if the buyer's wallet payment or a cancel won the race, only this attempt
            # is undone and the money is recorded as owed back below.
            async with session.begin_nested():
                await do_mark_paid(session=session, order=order, provider="stripe", source=clearing,
                                   commission_bps=commission_bps)
            for_shipping = checkout.amount_minor - order.total_minor
            fee = await combined.do_join_parcel(session, order, source=clearing, most=for_shipping)
            if for_shipping > fee:  # the parcel's fee was paid meanwhile by another order: owed back
                await post_unmatched_payment(session, provider="stripe", amount_minor=for_shipping - fee,
                                             currency=checkout.currency,
                                             reference=f"stripe:{checkout.external_id}:shipping",
                                             memo=f"shipping paid twice with order {order.ref}")
            return "paid"
        except Conflict:
            pass
    # Paid too late (the reservation expired) or twice: the money is owed back to the buyer.
    await post_unmatched_payment(session, provider="stripe", amount_minor=checkout.amount_minor,
                                 currency=checkout.currency, reference=f"stripe:{checkout.external_id}",
                                 memo=f"payment for order {order.ref if order else checkout.order_id} "
                                      "that could not be used")
    return "refund_owed"


async def do_pay_with_voucher(*, session: AsyncSession, order: Order, buyer: User, code: str, commission_bps: int,
                              now: datetime | None = None) -> VoucherRedemption:
    """Pay a reserved order from the buyer's wallet, less the voucher's discount, which its issuer funds."""
    now = now or utcnow()
    await combined.fee_due(session, order)
    clearing, redemption = await do_redeem_voucher(session=session, order=order, buyer=buyer, code=code, now=now)
    await do_mark_paid(session=session, order=order, provider=VOUCHER, source=clearing,
                       commission_bps=commission_bps, now=now)
    await combined.do_join_parcel(session, order, source=await wallet_account(session, buyer.id, order.currency))
    session.add(redemption)
    await session.flush()
    return redemption
