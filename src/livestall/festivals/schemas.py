"""Festival, festival price, voucher and leaderboard request and response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from livestall.catalog.schemas import MoneyRead
from livestall.money import MAX_AMOUNT_MINOR
from livestall.validation import CurrencyCode, Id, StrictInput

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{2,31}$"
MAX_SHOPS_PER_CALL = 1000


class FestivalCreate(StrictInput):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    currency: CurrencyCode = "CNY"
    shop_ids: list[int] = Field(default_factory=list, max_length=MAX_SHOPS_PER_CALL)


class FestivalUpdate(StrictInput):
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=2000)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None


class ShopsAdd(StrictInput):
    shop_ids: list[int] = Field(min_length=1, max_length=MAX_SHOPS_PER_CALL)


class FestivalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    currency: str
    shop_count: int
    status: str = Field(description="upcoming, running or ended")
    created_at: datetime


class FestivalPage(BaseModel):
    items: list[FestivalRead]


class FestivalShopRead(BaseModel):
    shop_id: int
    name: str


class FestivalShopPage(BaseModel):
    items: list[FestivalShopRead]
    total: int
    page: int
    per_page: int


class PriceCreate(StrictInput):
    product_id: int
    price_minor: StrictInt | None = Field(None, ge=0, le=MAX_AMOUNT_MINOR, description="A fixed festival price")
    discount_pct: StrictInt | None = Field(None, ge=1, le=99, description="Or a percentage off the list price")
    starts_at: AwareDatetime | None = Field(None, description="Within the festival; its start when omitted")
    ends_at: AwareDatetime | None = Field(None, description="Within the festival; its end when omitted")

    @model_validator(mode="after")
    def _one_of(self) -> "PriceCreate":
        if (self.price_minor is None) == (self.discount_pct is None):
            raise PydanticCustomError("price_or_discount", "give either price_minor or discount_pct")
        return self


class PriceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    festival_id: int
    shop_id: int
    product_id: int
    price_minor: int | None
    discount_pct: int | None
    starts_at: datetime
    ends_at: datetime


class VoucherCreate(StrictInput):
    code: str = Field(pattern=CODE_PATTERN, description="3 to 32 letters, digits, - or _; case does not matter")
    shop_id: int | None = Field(None, description="A shop's own voucher (the shop funds it); the platform's if omitted")
    amount_off_minor: StrictInt | None = Field(None, ge=1, le=MAX_AMOUNT_MINOR)
    percent_off: StrictInt | None = Field(None, ge=1, le=90)
    min_spend_minor: StrictInt = Field(0, ge=0, le=MAX_AMOUNT_MINOR)
    per_user_limit: StrictInt = Field(1, ge=1, le=100)
    max_uses: StrictInt | None = Field(None, ge=1, le=10_000_000, description="Total uses across all buyers")

    @model_validator(mode="after")
    def _one_of(self) -> "VoucherCreate":
        if (self.amount_off_minor is None) == (self.percent_off is None):
            raise PydanticCustomError("amount_or_percent", "give either amount_off_minor or percent_off")
        return self


class VoucherRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    festival_id: int
    shop_id: int | None
    code: str
    amount_off_minor: int | None
    percent_off: int | None
    currency: str
    min_spend_minor: int
    per_user_limit: int
    max_uses: int | None
    uses: int


class VoucherPayIn(StrictInput):
    code: str = Field(min_length=1, max_length=32)


class RedemptionRead(BaseModel):
    order_id: int
    order_status: str
    code: str
    total: MoneyRead
    discount: MoneyRead
    paid: MoneyRead
    funded_by: str = Field(description="platform, or shop:<id>")


class VoucherQuoteIn(StrictInput):
    code: str = Field(min_length=1, max_length=32)
    shop_id: Id
    amount_minor: StrictInt = Field(ge=1, le=MAX_AMOUNT_MINOR, description="The order's total before the voucher")
    currency: CurrencyCode


class VoucherQuoteRead(BaseModel):
    code: str
    total: MoneyRead
    discount: MoneyRead
    to_pay: MoneyRead = Field(description="What the buyer's wallet pays")
    funded_by: str = Field(description="platform, or shop:<id>")


class PinVoucherIn(StrictInput):
    code: str = Field(min_length=1, max_length=32)


class PinnedVoucherRead(BaseModel):
    code: str
    shop_id: int | None
    festival: str
    amount_off: MoneyRead | None
    percent_off: int | None
    min_spend: MoneyRead
    ends_at: datetime
    pinned_at: datetime


class ShowVoucherRead(BaseModel):
    show_id: int
    voucher: PinnedVoucherRead | None


class ShopStanding(BaseModel):
    rank: int
    shop_id: int
    name: str
    gmv: MoneyRead = Field(description="In the festival's currency (other currencies by the display rates)")
    orders: int
    units: int


class FestivalFigures(BaseModel):
    festival: FestivalRead
    seconds_to_start: int
    seconds_left: int
    gmv: MoneyRead
    gmv_by_currency: list[MoneyRead]
    orders: int
    units: int
    shops: int
    leaderboard: list[ShopStanding]
    computed_at: datetime
