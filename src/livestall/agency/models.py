"""Agencies, their admins, host profiles, training records and bookings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

STAGES = ("applied", "screening", "training", "active", "paused", "left")
BOOKING_STATUSES = ("proposed", "accepted", "declined", "cancelled")
REQUEST_STATUSES = ("open", "booked", "withdrawn")
# What a payout does with a show that fell short of its booked time (or never went on air).
SHORT_SHOW_RULES = ("full", "prorata", "hold")
# "open" until paid; a short show under the "hold" rule waits as "held" until released or cancelled.
PAYOUT_STATES = ("open", "held", "paid", "cancelled")


class Agency(Base):
    """A host agency (MCN) that recruits, trains and books hosts."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(80), default="")
    country: Mapped[str] = mapped_column(String(2))
    short_show_rule: Mapped[str] = mapped_column(String(10), default="hold", server_default="hold")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgencyAdmin(Base):
    """A user who runs an agency."""

    __tablename__ = "agency_admins"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class HostProfile(Base):
    """A host (or applicant) of an agency: who they are, where they sell, what they cost, when they can work."""

    __tablename__ = "host_profiles"
    __table_args__ = (UniqueConstraint("agency_id", "email", name="uq_host_profiles_agency_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    country: Mapped[str] = mapped_column(String(2))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    markets: Mapped[list] = mapped_column(JSON, default=list)
    socials: Mapped[list] = mapped_column(JSON, default=list)  # [{"network", "handle", "followers"}]
    fee_minor: Mapped[int] = mapped_column(Integer, default=0)
    fee_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)  # basis points of the show's GMV
    currency: Mapped[str] = mapped_column(String(3), default="USD")  # the host's own currency, for display
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    availability: Mapped[dict] = mapped_column(JSON, default=dict)  # {"days": [0..6], "from": "HH:MM", "to": "HH:MM"}
    stage: Mapped[str] = mapped_column(String(10), default="applied", index=True)
    source: Mapped[str] = mapped_column(String(10), default="agency")  # "form" or "agency"
    note: Mapped[str] = mapped_column(String(2000), default="")
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingCourse(Base):
    """A course an agency's hosts complete before they may be booked."""

    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingModule(Base):
    """One module of a course."""

    __tablename__ = "training_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ModuleCompletion(Base):
    """A host's completion of one module, on record."""

    __tablename__ = "module_completions"

    host_id: Mapped[int] = mapped_column(ForeignKey("host_profiles.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("training_modules.id", ondelete="CASCADE"), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class BookingRequest(Base):
    """A brand (shop) asking for a host by language, market and date."""

    __tablename__ = "booking_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    host_id: Mapped[int | None] = mapped_column(ForeignKey("host_profiles.id", ondelete="SET NULL"))  # asked for
    language: Mapped[str] = mapped_column(String(2))
    market: Mapped[str] = mapped_column(String(2))
    date: Mapped[str] = mapped_column(String(10))  # ISO date, in the market's sense of the day
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Booking(Base):
    """A host booked onto a show for [starts_at, ends_at): proposed by the agency, accepted by the host."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("host_profiles.id", ondelete="CASCADE"), index=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("booking_requests.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fee_minor: Mapped[int] = mapped_column(Integer)  # the rate card at booking time
    fee_currency: Mapped[str] = mapped_column(String(3))
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payout_state: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    payout_rule: Mapped[str | None] = mapped_column(String(10))  # the short-show rule the payout applied
    payout_fee_minor: Mapped[int | None] = mapped_column(Integer)  # the fee as paid, after that rule
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
