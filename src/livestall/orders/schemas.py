"""Order, buy-now, payment and flash-sale request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictInt, StringConstraints

from livestall.catalog.schemas import MoneyRead
from livestall.money import MAX_AMOUNT_MINOR, Money
from livestall.orders.models import Order
from livestall.validation import CountryCode, CurrencyCode, Id, StrictInput

OrderStatus = Literal["reserved", "paid", "shipped", "delivered", "cancelled", "expired", "refunded"]
ProviderName = Literal["wallet", "stripe"]
MAX_QUANTITY = 1000


class ShippingAddress(StrictInput):
    name: str = Field(min_length=1, max_length=120)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field(min_length=1, max_length=80)
    region: str = Field("", max_length=80)
    postal_code: str = Field(min_length=2, max_length=12, pattern=r"^[A-Za-z0-9][A-Za-z0-9 \-]*$")
    country: CountryCode
    phone: str = Field("", max_length=20, pattern=r"^(\+?[0-9][0-9 \-]{5,18})?$")


class BuyIn(StrictInput):
    product_id: Id
    quantity: StrictInt = Field(1, ge=1, le=MAX_QUANTITY)
    option: str | None = Field(None, min_length=1, max_length=40, description="One of the product's options")
    variant_id: Id | None = Field(None, description="The variant to buy, for a product with variants")
    options: dict[Annotated[str, StringConstraints(min_length=1, max_length=40)],
                  Annotated[str, StringConstraints(min_length=1, max_length=40)]] | None = Field(
        None, max_length=3, description="Or the variant by its value on each axis, e.g. {\"Size\": \"M\"}")
    shipping: ShippingAddress
    currency: CurrencyCode | None = Field(None, description="The currency the buyer expects to pay in")
    pay_with: ProviderName | None = Field(None, description="Pay at once: from the wallet, or start a Stripe checkout")


class PayIn(StrictInput):
    provider: ProviderName = "wallet"
    currency: CurrencyCode | None = Field(None, description="The currency the buyer expects to pay in")


class ShipIn(StrictInput):
    tracking_number: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-]*$")
    carrier: str = Field("", max_length=40, description="Who carries the parcel (optional), such as SF Express")


class PaymentRead(BaseModel):
    status: str
    provider: str
    checkout_url: str | None = None
    error: dict | None = None


class OrderRead(BaseModel):
    id: int
    ref: str
    status: OrderStatus
    buyer_id: int
    shop_id: int
    show_id: int | None
    product_id: int
    flash_sale_id: int | None
    variant_id: int | None = None
    quantity: int
    option: str | None = Field(description="The option or variant bought, as the buyer read it (e.g. M / Grey)")
    unit_price: MoneyRead
    total: MoneyRead
    shipping: dict
    reserved_until: datetime
    created_at: datetime
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    closed_at: datetime | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    payment_provider: str | None = None
    payment: PaymentRead | None = None


COLUMNS = [c.key for c in Order.__table__.columns]


def order_read(order: Order | dict[str, Any], payment: PaymentRead | None = None) -> OrderRead:
    """The API view of an order, from the ORM object or from a row the batch just inserted."""
    row = order if isinstance(order, dict) else {name: getattr(order, name) for name in COLUMNS}
    return OrderRead(
        **{k: row.get(k) for k in OrderRead.model_fields if k in row},
        unit_price=Money(row["unit_price_minor"], row["currency"]).as_dict(),
        total=Money(row["total_minor"], row["currency"]).as_dict(), payment=payment,
    )


class OrderPage(BaseModel):
    items: list[OrderRead]
    total: int
    page: int
    per_page: int


class ReceiptRead(BaseModel):
    order_ref: str
    shop: str
    product: str
    option: str | None
    quantity: int
    unit_price: MoneyRead
    total: MoneyRead
    status: OrderStatus
    paid_at: datetime | None
    payment_provider: str | None
    refunded: bool
    ship_to: dict


class FlashSaleCreate(StrictInput):
    product_id: Id
    variant_id: Id | None = Field(None, description="The variant on sale; required for a product with variants")
    starts_at: AwareDatetime | None = Field(None, description="When the sale opens; now when omitted")
    duration_s: StrictInt = Field(ge=60, le=1200, description="1 to 20 minutes")
    sale_price_minor: StrictInt = Field(ge=0, le=MAX_AMOUNT_MINOR)
    currency: CurrencyCode | None = None
    units: StrictInt = Field(ge=1, le=10_000_000)
    per_buyer_limit: StrictInt | None = Field(None, ge=1, le=MAX_QUANTITY)
    countdown_s: StrictInt = Field(60, ge=0, le=3600, description="How long before the start the room counts down")


class FlashSaleRead(BaseModel):
    id: int
    show_id: int
    product_id: int
    variant_id: int | None = None
    status: str
    starts_at: datetime
    ends_at: datetime
    countdown_s: int
    seconds_to_start: int
    seconds_left: int
    sale_price: MoneyRead
    display_prices: dict[str, dict]
    units: int
    units_left: int
    per_buyer_limit: int | None
