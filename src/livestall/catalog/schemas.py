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


MAX_AXES = 3
AxisName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
OptionValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class OptionAxesIn(StrictInput):
    axes: list[AxisName] = Field(max_length=MAX_AXES, description="Up to 3 axis names in order, e.g. Size, Colour")


class VariantCreate(StrictInput):
    options: dict[AxisName, OptionValue] = Field(description="The value on each of the product's axes")
    sku: str | None = Field(None, pattern=SKU_PATTERN, description="Unique in the product; made up when omitted")
    stock: StrictInt = Field(0, ge=0, le=MAX_STOCK)
    price_minor: StrictInt | None = Field(None, ge=0, le=MAX_AMOUNT_MINOR,
                                          description="Overrides the product's price when set")
    image_id: StrictInt | None = Field(None, ge=1, description="One of the product's images")
    position: StrictInt | None = Field(None, ge=0, le=10_000)


class VariantUpdate(StrictInput):
    sku: str | None = Field(None, pattern=SKU_PATTERN)
    stock: StrictInt | None = Field(None, ge=0, le=MAX_STOCK)
    price_minor: StrictInt | None = Field(None, ge=0, le=MAX_AMOUNT_MINOR,
                                          description="Overrides the product's price; null goes back to it")
    image_id: StrictInt | None = Field(None, ge=1, description="One of the product's images; null for none")
    position: StrictInt | None = Field(None, ge=0, le=10_000)


class VariantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    sku: str
    options: dict[str, str]
    label: str
    stock: int
    price_minor: int | None
    image_id: int | None
    position: int


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
    option_axes: list[str] = []
    variants: list[VariantRead] = []
    images: list[ImageRead]
    created_at: datetime
    updated_at: datetime


class ProductPage(BaseModel):
    items: list[ProductRead]
    total: int
    page: int
    per_page: int
