"""What the host sends to start a giveaway or pin a coupon, each field with its rule (the cross-field rules are
checked by the service, which names the field)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictInt

from livestall.validation import StrictInput

MAX_AMOUNT_MINOR = 100_000_000


class GiveawayCreate(StrictInput):
    """A giveaway: the prize (one unit of a product, a voucher or wallet credit) for `winners` viewers."""

    title: str = Field("", max_length=120)
    prize: Literal["product", "voucher", "credit"]
    product_id: StrictInt | None = Field(None, ge=1, description="The product prize: one unit to each winner")
    amount_minor: StrictInt | None = Field(None, ge=1, le=MAX_AMOUNT_MINOR,
                                           description="The credit, or the voucher's amount off, per winner")
    voucher_hours: StrictInt = Field(72, ge=1, le=24 * 90, description="How long a voucher prize can be spent")
    winners: StrictInt = Field(1, ge=1, le=100)
    eligibility: Literal["everyone", "followers", "buyers", "keyword"] = "everyone"
    keyword: str | None = Field(None, min_length=1, max_length=40)
    duration_s: StrictInt = Field(120, ge=10, le=3600)


class CouponCreate(StrictInput):
    """A live-only coupon: an amount or a percentage off, `quota` claims, spendable `valid_hours` after claiming."""

    amount_off_minor: StrictInt | None = Field(None, ge=1, le=MAX_AMOUNT_MINOR)
    percent_off: StrictInt | None = Field(None, ge=1, le=90)
    min_spend_minor: StrictInt = Field(0, ge=0, le=MAX_AMOUNT_MINOR)
    quota: StrictInt = Field(..., ge=1, le=100_000)
    valid_hours: StrictInt = Field(24, ge=1, le=24 * 30)
