"""Giveaways and live-only coupons, as the room hears of them; each winner is also told privately."""

from __future__ import annotations

from livestall.events.registry import Declarations, Payload, Timestamp
from livestall.events.selling import MoneyView

DECLARED = Declarations()


class GiveawayView(Payload):
    """A giveaway as everyone sees it: the prize, who may enter, until when, and the seed's commitment."""

    id: int
    show_id: int
    title: str
    prize: str  # product | voucher | credit
    product_id: int | None
    product_title: str | None
    amount: MoneyView | None
    voucher_hours: int | None
    winners: int
    eligibility: str  # everyone | followers | buyers | keyword
    keyword: str | None
    status: str  # running | drawn | cancelled
    starts_at: Timestamp
    ends_at: Timestamp
    entries: int
    seed_hash: str
    seed: str | None  # only once drawn
    drawn_at: Timestamp | None
    winner_names: list[str]
    verify_url: str


@DECLARED.room("giveaway.started", when="the host started a giveaway (the seed's SHA-256 is its commitment)")
class GiveawayStarted(GiveawayView):
    pass


@DECLARED.room("giveaway.entries", when="viewers entered a giveaway: the count, at most about once a second")
class GiveawayEntries(Payload):
    id: int
    entries: int


class Winner(Payload):
    place: int
    entry_id: int
    name: str


@DECLARED.room("giveaway.drawn", when="a giveaway's time ran out (or the host drew it): the winners and the seed")
class GiveawayDrawn(Payload):
    id: int
    entries: int
    seed: str
    seed_hash: str
    winners: list[Winner]
    verify_url: str


@DECLARED.routed("giveaway.won", when="a giveaway was drawn: each winner's prize, routed to them alone")
class GiveawayWon(Payload):
    id: int
    users: dict[str, dict]  # user id -> the prize as that winner is told of it


@DECLARED.frame("giveaway.prize", when="to a winner of a giveaway: what they won and where it went")
class GiveawayPrize(Payload):
    giveaway_id: int
    title: str
    prize: str
    place: int
    status: str  # delivered | out_of_stock | no_funds
    ref: str | None


class CouponView(Payload):
    """A coupon on the shelf: what it takes off, how many are left, and for how long a claim can be spent."""

    id: int
    show_id: int
    shop_id: int
    amount_off: MoneyView | None
    percent_off: int | None
    min_spend: MoneyView
    quota: int
    remaining: int
    valid_hours: int
    pinned_at: Timestamp


@DECLARED.room("coupon.pinned", when="the host pinned a live-only coupon to the shelf")
class CouponPinned(CouponView):
    pass


@DECLARED.room("coupon.claimed", when="viewers claimed a coupon: what is left of its quota, merged per flush")
class CouponClaimed(Payload):
    id: int
    remaining: int


@DECLARED.room("coupon.unpinned", when="the host took a coupon off the shelf (or the show ended)")
class CouponUnpinned(Payload):
    id: int
