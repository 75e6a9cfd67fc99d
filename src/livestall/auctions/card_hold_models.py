"""Authorization holds on bidders' saved cards: one Stripe PaymentIntent (capture_method=manual) each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

# held: in the auction's hold account; releasing: given back in the books, the cancel not yet accepted by the
# provider; released: cancelled there; captured: the hammer price taken from the card.
CARD_HOLD_STATUSES = ("held", "releasing", "released", "captured")


class AuctionCardHold(Base):
    """What a bidder's card is authorized for in one auction; `reference` keys every call made for it."""

    __tablename__ = "auction_card_holds"
    __table_args__ = (Index("ix_auction_card_holds_bidder", "auction_id", "user_id", "status"),
                      Index("ix_auction_card_holds_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provider: Mapped[str] = mapped_column(String(16), default="stripe")
    payment_intent_id: Mapped[str] = mapped_column(String(255), unique=True)
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    card_label: Mapped[str] = mapped_column(String(40), default="")  # "visa ending 4242", for messages
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    captured_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="held")
    error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
