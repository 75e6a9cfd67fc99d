"""What a card provider holds for us: the payment behind a paid checkout, and the refunds sent back to the card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

# sending: recorded, not yet accepted by the provider; pending: accepted, the card not yet credited.
REFUND_STATUSES = ("sending", "pending", "succeeded", "failed")


class CardPayment(Base):
    """The provider's payment (Stripe's PaymentIntent) that paid a checkout: what a refund is made against."""

    __tablename__ = "card_payments"

    checkout_id: Mapped[int] = mapped_column(ForeignKey("payment_checkouts.id"), primary_key=True)
    payment_ref: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CardRefund(Base):
    """Money going back to the card it came from; `reference` is the idempotency key the provider sees."""

    __tablename__ = "card_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("payment_checkouts.id"))
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="sending")
    error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
