"""Viewer sessions and concurrent-viewer samples (recorded by the room), and each show's rolled-up metrics."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow


class ViewerSession(Base):
    """One viewer's stay in one show's room: joined, and (once they go) left."""

    __tablename__ = "viewer_sessions"
    __table_args__ = (Index("ix_viewer_sessions_show_joined", "show_id", "joined_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # made when joining, so the row is written later
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    viewer_key: Mapped[str] = mapped_column(String(64))  # the user id, or one anonymous connection
    user_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: a deleted user keeps the figures
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ViewerSample(Base):
    """Viewers in the rooms of one process at one moment, per market and language of the shows."""

    __tablename__ = "viewer_samples"

    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)  # aligned to the sampling interval
    node_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    market: Mapped[str] = mapped_column(String(2), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    viewers: Mapped[int] = mapped_column(Integer)
    rooms: Mapped[int] = mapped_column(Integer)


class ShowMetrics(Base):
    """A show's figures, rolled up from sessions, chat, questions, likes and orders (final once it ended)."""

    __tablename__ = "show_metrics"
    __table_args__ = (
        Index("ix_show_metrics_day_market_language", "day", "market", "language"),
        Index("ix_show_metrics_started", "started_at"),
        Index("ix_show_metrics_shop_started", "shop_id", "started_at"),
        Index("ix_show_metrics_host_started", "host_id", "started_at"),
        Index("ix_show_metrics_final", "final"),
    )

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(Integer)
    host_id: Mapped[int] = mapped_column(Integer)
    market: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(2))
    day: Mapped[str] = mapped_column(String(10))  # UTC date of the start, "YYYY-MM-DD": groups alike everywhere
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    peak_viewers: Mapped[int] = mapped_column(Integer, default=0)
    unique_viewers: Mapped[int] = mapped_column(Integer, default=0)
    viewers_10min: Mapped[int] = mapped_column(Integer, default=0)
    watch_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    chat_messages: Mapped[int] = mapped_column(Integer, default=0)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    questions: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    buyers: Mapped[int] = mapped_column(Integer, default=0)
    units: Mapped[int] = mapped_column(Integer, default=0)
    gmv_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))  # the shop's
    gmv_report_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # in the platform's reporting currency
    report_currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
