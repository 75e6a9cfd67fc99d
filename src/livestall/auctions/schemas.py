"""What the host sends to set up an auction, and what a bidder's `bid` frame holds."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictInt, field_validator

from livestall.money import MAX_AMOUNT_MINOR
from livestall.validation import Id, StrictInput

MIN_DURATION_S, MAX_DURATION_S = 10, 120
MAX_BANDS = 10


class AuctionCreate(StrictInput):
    """One unit of a product pinned in the show (of one of its variants, when it has them); the auction waits
    ("scheduled", pre-bids allowed) until opened."""

    product_id: Id
    variant_id: Id | None = Field(None, description="The variant up for bids; required for a product with variants")
    starting_price_minor: StrictInt = Field(ge=1, le=MAX_AMOUNT_MINOR)
    duration_s: StrictInt = Field(30, ge=MIN_DURATION_S, le=MAX_DURATION_S)
    snipe_s: StrictInt = Field(10, ge=1, le=60, description="A bid this close to the end brings the time left back")
    sudden_death: StrictBool = Field(False, description="No extension: the auction ends on time whatever comes")
    offer_minutes: StrictInt = Field(10, ge=1, le=60, description="How long the runner-up has to accept an offer")
    increments: list[tuple[StrictInt | None, StrictInt]] | None = Field(
        None, description="Bid steps by price band, [[below_minor, step_minor], ...], ascending, the last below null")

    @field_validator("increments")
    @classmethod
    def _bands(cls, bands):
        if bands is None:
            return None
        if not 1 <= len(bands) <= MAX_BANDS:
            raise ValueError(f"give 1 to {MAX_BANDS} bands")
        limits = [below for below, _ in bands]
        if limits[-1] is not None or any(below is None for below in limits[:-1]):
            raise ValueError("only the last band is open-ended (below null)")
        finite = limits[:-1]
        if any(b <= a for a, b in zip(finite, finite[1:])) or any(below <= 0 for below in finite):
            raise ValueError("band limits must be positive and ascending")
        if any(not 1 <= step <= MAX_AMOUNT_MINOR for _, step in bands):
            raise ValueError("each step must be at least 1")
        return [[below, step] for below, step in bands]


class BidIn(StrictInput):
    """A bid: `amount` (left out: the next valid amount, one tap) and optionally a `max` to bid up to by proxy."""

    auction_id: Id
    amount: StrictInt | None = Field(None, ge=1, le=MAX_AMOUNT_MINOR)
    max: StrictInt | None = Field(None, ge=1, le=MAX_AMOUNT_MINOR)
