"""Shows, the stream keys of their owners, moderators and pinned products."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

SHOW_STATUSES = ("scheduled", "live", "ended", "cancelled")
STREAM_STATES = ("offline", "live", "reconnecting")
INVITATION_STATUSES = ("proposed", "accepted", "declined", "cancelled")


class Show(Base):
    """A live show of a shop, presented by a host: scheduled → live → ended, or cancelled."""

    __tablename__ = "shows"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    language: Mapped[str] = mapped_column(String(2), index=True)
    market: Mapped[str] = mapped_column(String(2), index=True)
    category: Mapped[str] = mapped_column(String(64), default="", index=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    cover_path: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="scheduled", index=True)
    stream_state: Mapped[str] = mapped_column(String(12), default="offline")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stream_offline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    slow_mode_seconds: Mapped[int] = mapped_column(Integer, default=0)
    followers_only: Mapped[bool] = mapped_column(Boolean, default=False)
    peak_viewers: Mapped[int] = mapped_column(Integer, default=0)
    unique_viewers: Mapped[int] = mapped_column(Integer, default=0)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def cover_url(self) -> str | None:
        return f"/media/uploads/{self.cover_path}" if self.cover_path else None


class HostInvitation(Base):
    """A shop asking someone outside it to host one of its shows: proposed, then accepted or declined.

    Until the invited user accepts, `stand_in_id` (the shop member who asked) stays the show's host, so that
    nobody is named, streams or goes live as a host without having said yes.
    """

    __tablename__ = "show_host_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stand_in_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StreamKey(Base):
    """The one video-ingest key of a show owner (a host or seller); stored hashed, shown once."""

    __tablename__ = "stream_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShowModerator(Base):
    """A user the host made moderator of one show."""

    __tablename__ = "show_moderators"

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class ShowPin(Base):
    """A product pinned in a show, from `pinned_at` until `unpinned_at`; the open rows are the current shelf."""

    __tablename__ = "show_pins"
    __table_args__ = (UniqueConstraint("show_id", "product_id", "pinned_at", name="uq_show_pins_moment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    pinned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pinned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unpinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
