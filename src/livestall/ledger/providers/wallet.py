"""The built-in wallet: buyers pay from a balance an operator (or another provider) topped up."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.errors import Invalid
from livestall.ledger.providers.base import PaymentResult
from livestall.money import Money


class WalletProvider:
    """Pays at once from the buyer's wallet in the order's currency (orders/payments.py); refuses an overdraft."""

    name = "wallet"

    async def top_up(self, *, session: AsyncSession, user: User, amount: Money) -> PaymentResult:
        """A wallet cannot fill itself: an operator or another provider tops it up."""
        raise Invalid.field("provider", "topup_provider", "the wallet is topped up by an operator or by Stripe")
