"""Product clips: the stretch of a replay during which a product was pinned, cut into its own video."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

CLIP_STATES = ("pending", "ready", "failed")


class ProductClip(Base):
    """One pin of a product in a show, as a short video cut from the show's replay."""

    __tablename__ = "product_clips"

    id: Mapped[int] = mapped_column(primary_key=True)
    pin_id: Mapped[int] = mapped_column(ForeignKey("show_pins.id", ondelete="CASCADE"), unique=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # where the pin's stretch lies in the replay, and the seller's trim of it (milliseconds into the replay)
    pin_start_ms: Mapped[int] = mapped_column(Integer)
    pin_end_ms: Mapped[int] = mapped_column(Integer)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped at each cut: a new file name, never overwritten
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(default=False)
    views: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cut_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClipOrder(Base):
    """An order placed from a clip's page: the clip led to it."""

    __tablename__ = "clip_orders"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("product_clips.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
