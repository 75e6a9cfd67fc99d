"""Ledger accounts, transfers and their entries; payment checkouts and provider events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

ACCOUNT_KINDS = ("buyer_wallet", "shop_revenue", "platform_commission", "host_payout", "agency_payout", "brand_payable",
                 "provider_clearing", "refunds")
# Accounts that hold a person's own money can never go below zero.
NON_NEGATIVE = frozenset({"buyer_wallet"})


class LedgerAccount(Base):
    """One account in one currency, e.g. the CNY wallet of user 7 ('buyer_wallet', 'user:7', 'CNY').

    `balance_minor` is a running projection of the entries, kept in the same transaction so that a
    wallet can refuse an overdraft atomically; `livestall ledger check` proves it equals their sum.
    """

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("kind", "owner_key", "currency", name="uq_ledger_accounts_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    owner_key: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    balance_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerTransfer(Base):
    """One money movement: its entries sum to zero. `reference` makes a movement happen at most once."""

    __tablename__ = "ledger_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(Base):
    """One leg of a transfer: `amount_minor` > 0 is money into the account, < 0 money out of it."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfers.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class PaymentCheckout(Base):
    """A payment started at a provider (a Stripe Checkout Session): for an order or a wallet top-up."""

    __tablename__ = "payment_checkouts"
    __table_args__ = (UniqueConstraint("provider", "external_id", name="uq_payment_checkouts_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(String(10))  # "order" or "topup"
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    url: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PaymentEvent(Base):
    """A provider's webhook event already handled: a retried delivery changes nothing."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_payment_events_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
