"""The shelf and the sales: pins, purchases, stock and flash sales, as the room hears of them."""

from __future__ import annotations

from livestall.events.registry import Declarations, Payload, Timestamp

DECLARED = Declarations()


class MoneyView(Payload):
    """An amount in integer minor units of its currency, and how it reads."""

    amount_minor: int
    currency: str
    formatted: str


class DisplayPrice(Payload):
    """A price converted for show into another currency (by the display table)."""

    amount_minor: int
    formatted: str


@DECLARED.room("flash.scheduled", "flash.started", when="a flash sale was set up; or its start time came")
class FlashSaleView(Payload):
    id: int
    show_id: int
    product_id: int
    variant_id: int | None  # the variant on sale; null: the whole product
    status: str
    starts_at: Timestamp
    ends_at: Timestamp
    countdown_s: int
    seconds_to_start: int
    seconds_left: int
    sale_price: MoneyView
    display_prices: dict[str, DisplayPrice]
    units: int
    units_left: int
    per_buyer_limit: int | None


@DECLARED.room("flash.ended", "flash.cancelled", when="a flash sale ran out of time or was ended; or was called off "
                                                       "before it started (unsold units go back to the product)")
class FlashClosed(Payload):
    id: int
    product_id: int
    variant_id: int | None
    units: int
    units_unsold: int
    stock: int
    at: Timestamp


class ShelfVariant(Payload):
    """One variant of a pinned product: its values on the product's axes, price and stock."""

    id: int
    values: list[str]
    label: str
    price: MoneyView
    display_prices: dict[str, DisplayPrice]
    stock: int
    image_url: str | None
    flash_sale: FlashSaleView | None


class ShelfItem(Payload):
    """A pinned product, priced for every market."""

    product_id: int
    position: int
    title: str
    image_url: str | None
    options: list[str]
    price: MoneyView
    list_price: MoneyView
    display_prices: dict[str, DisplayPrice]
    stock: int
    pinned_at: Timestamp
    flash_sale: FlashSaleView | None
    option_axes: list[str]
    variants: list[ShelfVariant]  # empty: the product comes in one kind


@DECLARED.room("pin.changed", when="the shelf changed (a pin, an unpin, a new order): the whole shelf, in order")
class PinChanged(Payload):
    items: list[ShelfItem]


@DECLARED.room("sale.made", when="a batch of purchases of one product (or flash sale) committed")
class SaleMade(Payload):
    product_id: int
    flash_sale_id: int | None
    variant_id: int | None = None  # set when the units (and units_left) are one variant's
    units: int
    orders: int
    units_left: int


@DECLARED.room("product.sold_out", when="a purchase took the last unit of a product (or of a flash sale)")
class SoldOut(Payload):
    product_id: int
    flash_sale_id: int | None
    variant_id: int | None = None  # set when it is one variant that sold out


@DECLARED.room("stock.changed", when="units went back on sale: an order was cancelled or its reservation expired")
class StockChanged(Payload):
    product_id: int
    flash_sale_id: int | None  # set when the units went back to a running flash sale
    units_left: int
    variant_id: int | None = None  # set when the units (and units_left) are one variant's
