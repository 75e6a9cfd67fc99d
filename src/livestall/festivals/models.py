"""Festivals (Singles' Day 11.11, 618): window, shops, festival prices, vouchers and their redemptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow


class Festival(Base):
    """A platform-wide sales event run by an operator: a time window and the shops that take part."""

    __tablename__ = "festivals"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="window_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")  # the leaderboard's and vouchers' currency
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FestivalShop(Base):
    """A shop taking part in a festival: its orders count towards the festival's figures.

    Read by key or counted, never loaded whole with the festival: a festival day has 100,000 shops.
    """

    __tablename__ = "festival_shops"

    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FestivalPrice(Base):
    """A product's festival price (a fixed price or a percentage off) from `starts_at` to `ends_at`.

    The window lies inside the festival's; two windows of the same product never overlap.
    """

    __tablename__ = "festival_prices"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window_order"),
        CheckConstraint("(price_minor IS NULL) <> (discount_pct IS NULL)", name="price_or_discount"),
        Index("ix_festival_prices_product_ends", "product_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    price_minor: Mapped[int | None] = mapped_column(BigInteger)
    discount_pct: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Voucher(Base):
    """A code that takes money off an order of a participating shop during the festival.

    Issued by the platform (`shop_id` None: the platform funds the discount) or by one shop (only
    its orders, and the shop funds it). `uses` counts standing redemptions, capped by `max_uses`.
    """

    __tablename__ = "vouchers"
    __table_args__ = (
        CheckConstraint("(amount_off_minor IS NULL) <> (percent_off IS NULL)", name="amount_or_percent"),
        CheckConstraint("uses >= 0", name="uses_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a personal voucher (a live coupon claimed, a giveaway prize): held by `holder_id` until `expires_at`.
    festival_id: Mapped[int | None] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    amount_off_minor: Mapped[int | None] = mapped_column(BigInteger)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    min_spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    per_user_limit: Mapped[int] = mapped_column(Integer, default=1)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoucherRedemption(Base):
    """A voucher used to pay one order: what the buyer paid and what the issuer funded."""

    __tablename__ = "voucher_redemptions"
    __table_args__ = (Index("ix_voucher_redemptions_voucher_user", "voucher_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # order cancelled or refunded


class ShowVoucher(Base):
    """The voucher a host pinned in a live show, one per show at a time: viewers see it and can use its code."""

    __tablename__ = "show_vouchers"

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"), index=True)
    pinned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
