"""Cards a buyer saved with the card provider: the provider's customer and payment method ids, never a card number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow


class CardCustomer(Base):
    """The provider's customer (Stripe's `cus_...`) that a user's saved cards belong to: one per user and provider."""

    __tablename__ = "card_customers"
    __table_args__ = (UniqueConstraint("user_id", "provider", name="uq_card_customers_user"),
                      UniqueConstraint("provider", "customer_id", name="uq_card_customers_customer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedCard(Base):
    """A card saved for later payments (Stripe's PaymentMethod `pm_...`): what the buyer sees of it is brand and
    last four digits."""

    __tablename__ = "saved_cards"
    __table_args__ = (UniqueConstraint("provider", "payment_method_id", name="uq_saved_cards_payment_method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(255))
    payment_method_id: Mapped[str] = mapped_column(String(255))
    brand: Mapped[str] = mapped_column(String(20), default="")
    last4: Mapped[str] = mapped_column(String(4), default="")
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
