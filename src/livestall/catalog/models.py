"""Shops, shop members, products, their variants and product images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livestall.db import Base, UTCDateTime, utcnow

PRODUCT_STATUSES = ("draft", "active", "archived")
MEMBER_ROLES = ("owner", "staff")


class Shop(Base):
    """A seller's shop; its prices are in its currency (CNY by default)."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[ShopMember]] = relationship(
        back_populates="shop", cascade="all, delete-orphan", lazy="selectin"
    )

    def member_role(self, user_id: int) -> str | None:
        return next((m.role for m in self.members if m.user_id == user_id), None)


class ShopMember(Base):
    """A user who runs a shop: an owner (everything) or staff (products and orders)."""

    __tablename__ = "shop_members"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(10))

    shop: Mapped[Shop] = relationship(back_populates="members")


class Product(Base):
    """Something a shop sells: price in integer minor units of the shop's currency, and stock."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("shop_id", "sku", name="uq_products_shop_sku"),
        CheckConstraint("stock >= 0", name="stock_non_negative"),
        CheckConstraint("price_minor >= 0", name="price_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64), default="", index=True)
    sku: Mapped[str] = mapped_column(String(64))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)  # legacy: superseded by variants
    # Up to 3 axis names (e.g. ["Size", "Colour"]); each variant holds one value per axis, in this order.
    option_axes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", cascade="all, delete-orphan", lazy="selectin", order_by="ProductImage.id"
    )
    # With variants, `stock` is kept equal to the sum of theirs in every transaction that changes one.
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="[ProductVariant.position, ProductVariant.id]",
    )


class ProductImage(Base):
    """An uploaded product photo, stored under the data directory."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images")

    @property
    def url(self) -> str:
        return f"/media/uploads/{self.path}"


class ProductVariant(Base):
    """One combination of a product's options (e.g. Size M, Colour Grey) with its own stock and price."""

    __tablename__ = "product_variants"
    __table_args__ = (
        UniqueConstraint("product_id", "sku", name="uq_product_variants_product_sku"),
        CheckConstraint("stock >= 0", name="stock_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    option1: Mapped[str | None] = mapped_column(String(40))
    option2: Mapped[str | None] = mapped_column(String(40))
    option3: Mapped[str | None] = mapped_column(String(40))
    stock: Mapped[int] = mapped_column(Integer, default=0)
    price_minor: Mapped[int | None] = mapped_column(BigInteger)  # overrides the product's price when set
    image_id: Mapped[int | None] = mapped_column(ForeignKey("product_images.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def values(self) -> list[str]:
        """The option values that are set, in axis order."""
        return [v for v in (self.option1, self.option2, self.option3) if v is not None]

    @property
    def label(self) -> str:
        """What a buyer reads for this combination, e.g. "M / Grey"."""
        return " / ".join(self.values)
