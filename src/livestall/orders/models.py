"""Orders (a buyer's purchase of one product) and flash sales (a timed, limited sale price in a show)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from livestall.db import Base, UTCDateTime, utcnow

ORDER_STATUSES = ("reserved", "paid", "shipped", "delivered", "cancelled", "expired", "refunded")
# Orders that hold their units: the stock they took is not for sale again unless they close.
HOLDING = ("reserved", "paid", "shipped", "delivered")
# Orders whose money the shop has (their payment transfer stands, no refund yet).
MONEY_IN = ("paid", "shipped", "delivered")
FLASH_STATUSES = ("scheduled", "live", "ended", "cancelled")


class Order(Base):
    """One purchase: `quantity` units of a product, reserved until paid, then shipped and delivered."""

    __tablename__ = "orders"
    __table_args__ = (
        # Key first: a batch looks its attempts up by key alone.
        UniqueConstraint("idempotency_key", "buyer_id", name="uq_orders_key_buyer"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("total_minor >= 0", name="total_non_negative"),
        Index("ix_orders_status_reserved_until", "status", "reserved_until"),
        Index("ix_orders_flash_buyer", "flash_sale_id", "buyer_id"),
        Index("ix_orders_shop_created", "shop_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    flash_sale_id: Mapped[int | None] = mapped_column(ForeignKey("flash_sales.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    option: Mapped[str | None] = mapped_column(String(40))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id", ondelete="SET NULL"))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="reserved")
    shipping: Mapped[dict] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(80))
    request_hash: Mapped[str] = mapped_column(String(64))
    reserved_until: Mapped[datetime] = mapped_column(UTCDateTime)
    payment_provider: Mapped[str | None] = mapped_column(String(16))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(40))  # who carries the parcel, as the shop typed it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # cancelled, expired or refunded


class FlashSale(Base):
    """A product sold in a show at `sale_price_minor` from `starts_at` to `ends_at`, `units` of it at most.

    Its units are taken out of the product's stock when it is set up and `units_left` is the hot row
    that buyers race for; what is left goes back to the product's stock when the sale ends.
    """

    __tablename__ = "flash_sales"
    __table_args__ = (
        CheckConstraint("units_left >= 0", name="units_left_non_negative"),
        Index("ix_flash_sales_show_product", "show_id", "product_id"),
        Index("ix_flash_sales_status_ends_at", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    # One variant's units on sale, or the whole product's when null.
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    countdown_s: Mapped[int] = mapped_column(Integer, default=60)
    sale_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    units: Mapped[int] = mapped_column(Integer)
    units_left: Mapped[int] = mapped_column(Integer)
    per_buyer_limit: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
