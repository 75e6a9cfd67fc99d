"""Opening lots, the tickets viewers buy for them, and each lot's append-only audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

KINDS = ("oyster", "mystery_box", "other")
LOT_STATUSES = ("open", "closed")
# queued: waiting in line; set_aside: its buyer was away, opened later; opened: outcome recorded;
# refunded / carried_over: the lot closed before it was opened.
TICKET_STATUSES = ("queued", "set_aside", "opened", "refunded", "carried_over")
WAITING = ("queued", "set_aside")
FULFILMENTS = ("awaiting_choice", "ship", "jewellery")


class OpeningLot(Base):
    """Items a seller opens on camera in a show, `quantity` of them at most, each for `price_minor`."""

    __tablename__ = "opening_lots"
    __table_args__ = (
        CheckConstraint("sold >= 0 AND sold <= quantity", name="sold_within_quantity"),
        CheckConstraint("price_minor > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(2000), default="")
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    random_pick: Mapped[bool] = mapped_column(Boolean, default=False)
    pick_items: Mapped[list] = mapped_column(JSON, default=list)  # the set shown on camera, drawn from
    seed_hash: Mapped[str | None] = mapped_column(String(64))  # published before sales
    seed: Mapped[str | None] = mapped_column(String(64))  # kept secret until the lot closes
    status: Mapped[str] = mapped_column(String(8), default="open")
    unopened: Mapped[str | None] = mapped_column(String(12))  # refund | follow_up, chosen at close
    follow_up_show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id"))
    # The jewellery setting a buyer may add on top, and the (archived) product that ships what was inside.
    addon_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    contents_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    # A lot made in a follow-up show for the tickets another lot carried over, in their original order.
    carried_from_lot_id: Mapped[int | None] = mapped_column(ForeignKey("opening_lots.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OpeningTicket(Base):
    """One paid opening: its place in the lot's line, and once opened, what was inside and where it goes."""

    __tablename__ = "opening_tickets"
    __table_args__ = (
        UniqueConstraint("lot_id", "position", name="uq_opening_tickets_lot_position"),
        UniqueConstraint("buyer_id", "idempotency_key", name="uq_opening_tickets_buyer_key"),
        Index("ix_opening_tickets_lot_status", "lot_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("opening_lots.id", ondelete="CASCADE"))
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    request_hash: Mapped[str] = mapped_column(String(64))
    drawn_index: Mapped[int | None] = mapped_column(Integer)  # index into the lot's pick_items
    status: Mapped[str] = mapped_column(String(12), default="queued")
    outcome: Mapped[dict | None] = mapped_column(JSON)  # immutable once recorded
    fulfilment: Mapped[str | None] = mapped_column(String(16))
    shipping: Mapped[dict | None] = mapped_column(JSON)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))  # the fulfilment order
    # The ticket of the earlier show this one continues; the payment is the first ticket's.
    carried_from_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("opening_tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OpeningAudit(Base):
    """One entry of a lot's audit log: never updated or deleted; corrections are new entries."""

    __tablename__ = "opening_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("opening_lots.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("opening_tickets.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(24))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OpeningPhoto(Base):
    """A photo of an opening: uploaded by the host or grabbed from the live stream, checked by content."""

    __tablename__ = "opening_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("opening_lots.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(8))  # upload | snapshot
    path: Mapped[str] = mapped_column(String(200))  # under the upload directory
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
