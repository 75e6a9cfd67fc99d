"""Auctions of one unit of a pinned product, their bidders (each with a maximum and a hold), and every bid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

AUCTION_STATUSES = ("scheduled", "open", "ended", "cancelled")
# How an ended auction came out: sold to the winner, offered to the runner-up, sold to them, or not sold.
AUCTION_RESULTS = ("sold", "offered", "sold_runner_up", "unsold")


class Auction(Base):
    """One unit of a product pinned in a show, up for bids from `opened_at` to `ends_at` (server time)."""

    __tablename__ = "auctions"
    __table_args__ = (Index("ix_auctions_status_ends_at", "status", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    # The one variant up for bids, for a product with variants. No foreign key: the auctions table is made
    # before the variants' (migration 0020, then 0022); a removed variant leaves the id, its units gone with it.
    variant_id: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    result: Mapped[str | None] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    starting_price_minor: Mapped[int] = mapped_column(BigInteger)
    increments: Mapped[list] = mapped_column(JSON)  # [[below_minor or null, step_minor], ...], ascending
    duration_s: Mapped[int] = mapped_column(Integer)
    snipe_s: Mapped[int] = mapped_column(Integer, default=10)
    sudden_death: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_minutes: Mapped[int] = mapped_column(Integer, default=10)
    price_minor: Mapped[int] = mapped_column(BigInteger)  # the standing price (the starting price until a bid)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bids_count: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    winner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hammer_minor: Mapped[int | None] = mapped_column(BigInteger)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    offered_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    offer_minor: Mapped[int | None] = mapped_column(BigInteger)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuctionBidder(Base):
    """One viewer in one auction: their maximum, their last bid, and what of their wallet is held for it."""

    __tablename__ = "auction_bidders"
    __table_args__ = (UniqueConstraint("auction_id", "user_id", name="uq_auction_bidders_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    max_minor: Mapped[int] = mapped_column(BigInteger)
    last_bid_minor: Mapped[int] = mapped_column(BigInteger)
    held_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    holds: Mapped[int] = mapped_column(Integer, default=0)  # unused: holds' transfers once counted here
    prebid: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuctionBid(Base):
    """One bid as the server received it, and what became of it (`leading`, `outbid`, `raised_max`, `prebid`)."""

    __tablename__ = "auction_bids"
    __table_args__ = (Index("ix_auction_bids_auction_id", "auction_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    max_minor: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(12))
    price_after_minor: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
