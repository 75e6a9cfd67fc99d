"""The built-in wallet: buyers pay from a balance an operator (or another provider) topped up."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.errors import Invalid
from livestall.ledger import flows
from livestall.ledger.providers.base import PaymentResult
from livestall.money import Money
from livestall.orders.models import Order
from livestall.orders.service import do_mark_paid


class WalletProvider:
    """Pays at once from the buyer's wallet in the order's currency; refuses an overdraft."""

    name = "wallet"

    async def pay_order(self, *, session: AsyncSession, order: Order, buyer: User,
                        commission_bps: int) -> PaymentResult:
        """Move the order's total from the wallet to the shop and the platform, and mark it paid."""
        source = await flows.wallet_account(session, buyer.id, order.currency)
        await do_mark_paid(session=session, order=order, provider=self.name, source=source,
                           commission_bps=commission_bps)
        return PaymentResult("paid", self.name)

    async def top_up(self, *, session: AsyncSession, user: User, amount: Money) -> PaymentResult:
        """A wallet cannot fill itself: an operator or another provider tops it up."""
        raise Invalid.field("provider", "topup_provider", "the wallet is topped up by an operator or by Stripe")
