"""The payment provider interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.money import Money
from livestall.orders.models import Order


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """'paid' at once (the wallet), or 'pending' until the buyer finishes at `checkout_url` (Stripe)."""

    status: str
    provider: str
    checkout_url: str | None = None
    checkout_id: str | None = None


class PaymentProvider(Protocol):
    """Takes a buyer's money for an order, or into their wallet; money arrives as a balanced transfer."""

    name: str

    async def pay_order(self, *, session: AsyncSession, order: Order, buyer: User,
                        commission_bps: int) -> PaymentResult:
        """Pay a reserved order, or start paying it."""
        ...

    async def top_up(self, *, session: AsyncSession, user: User, amount: Money) -> PaymentResult:
        """Put money into the user's wallet, or start doing so."""
        ...
