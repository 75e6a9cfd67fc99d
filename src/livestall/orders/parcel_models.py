"""Combined shipping: a shop's zones and fees, and the parcels that carry a buyer's orders together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

DEFAULT_COMBINE_HOURS = 24
# A parcel's fee: none yet, charged with its first paid order, free (over the threshold), refunded.
FEE_STATUSES = ("none", "charged", "free", "refunded")


class ShippingSettings(Base):
    """A shop's shipping rules: the fee outside its zones (None: not shipped there), free over a total,
    and how long after a show ends a buyer's orders still join the show's parcel."""

    __tablename__ = "shipping_settings"
    __table_args__ = (
        CheckConstraint("rest_of_world_fee_minor IS NULL OR rest_of_world_fee_minor >= 0",
                        name="rest_of_world_fee_non_negative"),
        CheckConstraint("free_over_minor IS NULL OR free_over_minor > 0", name="free_over_positive"),
        CheckConstraint("combine_hours >= 0", name="combine_hours_non_negative"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    rest_of_world_fee_minor: Mapped[int | None] = mapped_column(BigInteger)
    free_over_minor: Mapped[int | None] = mapped_column(BigInteger)
    combine_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_COMBINE_HOURS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ShippingZone(Base):
    """A group of countries the shop ships to for one fee (in the shop's currency)."""

    __tablename__ = "shipping_zones"
    __table_args__ = (CheckConstraint("fee_minor >= 0", name="zone_fee_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    countries: Mapped[list] = mapped_column(JSON)  # ISO 3166-1 alpha-2 codes
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Parcel(Base):
    """One box to one address: a buyer's paid orders from one shop in one show (and the window after it)."""

    __tablename__ = "parcels"
    __table_args__ = (CheckConstraint("fee_minor >= 0", name="parcel_fee_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id"))
    # Set while the parcel takes orders; two payments racing to open the same parcel meet on it.
    open_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    address_key: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_status: Mapped[str] = mapped_column(String(10), default="none")
    fee_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))  # whose payment carried the fee
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, shipped
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ParcelOrder(Base):
    """An order packed in a parcel (an order is in one parcel at most)."""

    __tablename__ = "parcel_orders"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id", ondelete="CASCADE"), index=True)
