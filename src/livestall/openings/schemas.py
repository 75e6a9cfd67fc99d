"""Opening inputs: a lot, a ticket purchase, an outcome, a correction, a fulfilment choice, closing a lot."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from livestall.orders.schemas import ShippingAddress
from livestall.validation import CurrencyCode, Id, StrictInput


class LotCreate(StrictInput):
    kind: Literal["oyster", "mystery_box", "other"]
    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    price_minor: int = Field(gt=0, le=100_000_000)
    currency: CurrencyCode | None = Field(None, description="Defaults to the shop's currency")
    quantity: int = Field(gt=0, le=10_000)
    random_pick: bool = False
    addon_product_id: int | None = Field(None, description="A jewellery setting of the shop buyers may add on top")
    pick_items: list[str] = Field(default_factory=list, max_length=10_000,
                                  description="For a random pick: the set shown on camera, drawn from")


class OutcomeIn(StrictInput):
    pearl_count: int | None = Field(None, ge=0, le=1000)
    colour: str = Field("", max_length=40)
    grade: str = Field("", max_length=20)
    size_mm: float | None = Field(None, gt=0, le=100)
    summary: str = Field("", max_length=200, description="What was inside, for anything but pearls")
    photo_id: int | None = Field(None, description="A photo taken (snapshot) or uploaded for this lot")
    photo_url: str | None = Field(None, max_length=300, description="A photo kept elsewhere, by URL")
    stream_offset_s: int | None = Field(None, ge=0, description="Seconds into the stream when it was opened")


class CorrectionIn(StrictInput):
    reason: str = Field(min_length=1, max_length=500)
    outcome: OutcomeIn


class FulfilmentIn(StrictInput):
    choice: Literal["ship", "jewellery"]
    shipping: ShippingAddress | None = Field(
        None, description="Asked once per lot: left out, the address given for the buyer's other tickets of the lot")
    currency: CurrencyCode | None = Field(None, description="What the buyer expects to pay the add-on in")
    addon_variant_id: Id | None = Field(None, description="The add-on's variant (size, colour...); required with "
                                                          "`jewellery` when the add-on product has variants")


class CloseIn(StrictInput):
    unopened: Literal["refund", "follow_up"]
    follow_up_show_id: int | None = None
