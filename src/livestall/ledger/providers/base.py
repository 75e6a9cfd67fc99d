"""The payment provider interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.money import Money


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """'paid' at once (the wallet), or 'pending' until the buyer finishes at `checkout_url` (Stripe)."""

    status: str
    provider: str
    checkout_url: str | None = None
    checkout_id: str | None = None


class PaymentProvider(Protocol):
    """Takes a buyer's money into their wallet as a balanced transfer (paying an order: orders/payments.py)."""

    name: str

    async def top_up(self, *, session: AsyncSession, user: User, amount: Money) -> PaymentResult:
        """Put money into the user's wallet, or start doing so."""
        ...
