"""Notifications, per-user channel settings, push subscriptions, fan-out jobs, the push/email outbox and
show reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

# The kinds a user sets channels for, grouped as the settings page shows them. A show's kinds reach its
# audience by fan-out; the others are personal: one user told about their order, booking or opening.
KIND_GROUPS = {
    "shows": ("go_live", "reminder"),
    "orders": ("order_paid", "order_shipped", "order_delivered", "order_refunded", "order_sold", "low_stock"),
    "bookings": ("booking_offered", "booking_accepted", "booking_declined", "booking_cancel"),
    "openings": ("opening_turn", "opening_result", "opening_refunded"),
}
KINDS = tuple(kind for kinds in KIND_GROUPS.values() for kind in kinds)
CHANNELS = ("in_app", "push", "email")
# Without a row of settings a user gets the feed and push, and no email until they ask for it; except for news of
# money and bookings, which people expect in their inbox as from any shop or agency.
DEFAULT_CHANNELS = {"in_app": True, "push": True, "email": False}
EMAIL_BY_DEFAULT = ("order_paid", "order_shipped", "order_refunded", "order_sold", "booking_offered",
                    "booking_accepted", "booking_declined", "booking_cancel", "opening_refunded", "low_stock")


def default_channels(kind: str) -> dict[str, bool]:
    """A kind's channels for a user who never changed them."""
    return {**DEFAULT_CHANNELS, "email": kind in EMAIL_BY_DEFAULT}


class Notification(Base):
    """One thing one user is told: about a show (at most one per user, kind and show), or about their own order,
    booking or opening ticket (at most one per user, kind and that thing)."""

    __tablename__ = "notifications"
    # Show first: a fan-out chunk reads one show's notifications over a range of user ids. A NULL never
    # collides, so each constraint holds only for the notifications about its kind of thing.
    __table_args__ = (
        UniqueConstraint("show_id", "kind", "user_id", name="uq_notifications_show_kind_user"),
        UniqueConstraint("order_id", "kind", "user_id", name="uq_notifications_order_kind_user"),
        UniqueConstraint("booking_id", "kind", "user_id", name="uq_notifications_booking_kind_user"),
        UniqueConstraint("ticket_id", "kind", "user_id", name="uq_notifications_ticket_kind_user"),
        # The worker's queue of personal notifications whose push and email are still to be queued.
        Index("ix_notifications_undispatched", "id", sqlite_where=text("dispatched_at IS NULL"),
              postgresql_where=text("dispatched_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("opening_tickets.id", ondelete="CASCADE"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # names, numbers and links, frozen for the feed
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)  # shown in the feed (the user's setting then)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its push and email were queued (or found not wanted); NULL while the worker still owes it that.
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSetting(Base):
    """One user's channels for one kind of notification."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    push: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)


class PushSubscription(Base):
    """A browser's Web Push subscription (from PushManager.subscribe)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationJob(Base):
    """A durable fan-out: the audience of one source for one show, walked in chunks by follower id."""

    __tablename__ = "notification_jobs"
    __table_args__ = (UniqueConstraint("kind", "show_id", "source", name="uq_notification_jobs_kind_show_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # "host:ID", "shop:ID" or "reminders"
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | done
    cursor: Mapped[int] = mapped_column(Integer, default=0)  # the last user id done
    sent: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationOutbox(Base):
    """A push or an email still to send for a notification, retried a few times."""

    __tablename__ = "notification_outbox"
    __table_args__ = (UniqueConstraint("notification_id", "channel", "target", name="uq_notification_outbox_target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # push | email
    target: Mapped[str] = mapped_column(String(1000))  # push subscription id, or email address
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)


class ShowReminder(Base):
    """One viewer's "remind me" on one upcoming show: the audience of its reminder fan-out."""

    __tablename__ = "show_reminders"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
