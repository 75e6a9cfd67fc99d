"""Giveaways, their entries and draws; coupons pinned in a live show and the claims on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

PRIZES = ("product", "voucher", "credit")
ELIGIBILITY = ("everyone", "followers", "buyers", "keyword")
GIVEAWAY_STATUSES = ("running", "drawn", "cancelled")
COUPON_STATUSES = ("pinned", "unpinned")


class Giveaway(Base):
    """A prize the host offers in a live show to `winners` of the viewers who enter before `ends_at`.

    The seed's SHA-256 is published when it starts and the seed when it is drawn, so anyone can recompute the
    winners from the public list of entries.
    """

    __tablename__ = "giveaways"
    __table_args__ = (
        CheckConstraint("winners >= 1", name="winners_positive"),
        CheckConstraint("ends_at > starts_at", name="window_order"),
        Index("ix_giveaways_status_ends_at", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(120))
    prize: Mapped[str] = mapped_column(String(8))  # product | voucher | credit
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)  # the credit, or the voucher's amount off
    currency: Mapped[str] = mapped_column(String(3))
    voucher_hours: Mapped[int | None] = mapped_column(Integer)  # how long a voucher prize can be spent
    winners: Mapped[int] = mapped_column(Integer)
    eligibility: Mapped[str] = mapped_column(String(10))
    keyword: Mapped[str | None] = mapped_column(String(40))
    seed_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str] = mapped_column(String(64))  # secret until the draw; the API shows it only once drawn
    status: Mapped[str] = mapped_column(String(10), default="running")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GiveawayEntry(Base):
    """One viewer entered in a giveaway; entries in id order are the public list the draw picks from."""

    __tablename__ = "giveaway_entries"
    __table_args__ = (UniqueConstraint("giveaway_id", "user_id", name="uq_giveaway_entries_giveaway_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    giveaway_id: Mapped[int] = mapped_column(ForeignKey("giveaways.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    won_place: Mapped[int | None] = mapped_column(Integer)  # 1..winners, in draw order
    prize_ref: Mapped[str | None] = mapped_column(String(64))  # the order ref, voucher code or transfer reference
    prize_status: Mapped[str | None] = mapped_column(String(16))  # delivered | out_of_stock | no_funds


class LiveCoupon(Base):
    """A coupon pinned to a live show's shelf: claimable while the show is live, `quota` claims at most."""

    __tablename__ = "live_coupons"
    __table_args__ = (
        CheckConstraint("(amount_off_minor IS NULL) <> (percent_off IS NULL)", name="amount_or_percent"),
        CheckConstraint("claimed >= 0 AND claimed <= quota", name="claimed_within_quota"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount_off_minor: Mapped[int | None] = mapped_column(BigInteger)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    min_spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    quota: Mapped[int] = mapped_column(Integer)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    valid_hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pinned")
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unpinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CouponClaim(Base):
    """A buyer's claim on a live coupon: the personal voucher it became, spendable until `expires_at`."""

    __tablename__ = "coupon_claims"
    __table_args__ = (UniqueConstraint("coupon_id", "user_id", name="uq_coupon_claims_coupon_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("live_coupons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
