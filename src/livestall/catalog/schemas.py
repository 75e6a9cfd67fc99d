"""Shop and product request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from livestall.money import MAX_AMOUNT_MINOR
from livestall.validation import CountryCode, CurrencyCode, Email, StrictInput

ProductStatus = Literal["draft", "active", "archived"]
MAX_STOCK = 10_000_000
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$"
ProductOptions = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=40)]],
                           Field(max_length=50)]


class ShopCreate(StrictInput):
    name: str = Field(min_length=1, max_length=120)
    city: str = Field(min_length=1, max_length=80)
    country: CountryCode
    currency: CurrencyCode = "CNY"
    description: str = Field("", max_length=2000)


class ShopUpdate(StrictInput):
    name: str | None = Field(None, min_length=1, max_length=120)
    city: str | None = Field(None, min_length=1, max_length=80)
    country: CountryCode | None = None
    description: str | None = Field(None, max_length=2000)


class StaffAdd(StrictInput):
    email: Email


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    role: str


class ShopRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    city: str
    country: str
    currency: str
    description: str
    created_at: datetime
    members: list[MemberRead]


class ShopPage(BaseModel):
    items: list[ShopRead]
    total: int
    page: int
    per_page: int


class ProductCreate(StrictInput):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    category: str = Field("", max_length=64)
    sku: str = Field(pattern=SKU_PATTERN)
    price_minor: StrictInt = Field(ge=0, le=MAX_AMOUNT_MINOR)
    currency: CurrencyCode | None = None
    stock: StrictInt = Field(0, ge=0, le=MAX_STOCK)
    status: ProductStatus = "draft"
    options: ProductOptions = Field(default_factory=list, description="Choices a buyer picks one of, e.g. sizes")


class ProductUpdate(StrictInput):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=5000)
    category: str | None = Field(None, max_length=64)
    sku: str | None = Field(None, pattern=SKU_PATTERN)
    price_minor: StrictInt | None = Field(None, ge=0, le=MAX_AMOUNT_MINOR)
    currency: CurrencyCode | None = None
    stock: StrictInt | None = Field(None, ge=0, le=MAX_STOCK)
    status: ProductStatus | None = None
    options: ProductOptions | None = None


class MoneyRead(BaseModel):
    amount_minor: int
    currency: str
    formatted: str


class ImageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    content_type: str
    size_bytes: int
    width: int
    height: int


class ProductRead(BaseModel):
    id: int
    shop_id: int
    title: str
    description: str
    category: str
    sku: str
    price: MoneyRead
    display_price: MoneyRead | None = Field(None, description="The price in the viewer's currency, for display")
    stock: int
    status: ProductStatus
    options: list[str] = []
    images: list[ImageRead]
    created_at: datetime
    updated_at: datetime


class ProductPage(BaseModel):
    items: list[ProductRead]
    total: int
    page: int
    per_page: int
