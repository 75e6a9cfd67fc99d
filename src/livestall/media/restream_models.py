"""Restream targets: where a show's video is sent on (YouTube, Facebook, TikTok, any RTMP server)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

PRESETS = ("youtube", "facebook", "tiktok", "custom")


class RestreamTarget(Base):
    """One place a show (or, with no show, every new show of the shop) is sent to while live."""

    __tablename__ = "restream_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    # None: a shop default, copied to each of the shop's shows the first time its targets are read
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    preset: Mapped[str] = mapped_column(String(10), default="custom")
    label: Mapped[str] = mapped_column(String(60), default="")
    server_url: Mapped[str] = mapped_column(String(500))
    stream_key: Mapped[str] = mapped_column(String(300))  # secret: never read back, logged or published
    enabled: Mapped[bool] = mapped_column(default=True)
    copied_from_id: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # removed rows stay (without their key) so that a show whose targets were all removed is not re-seeded
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
