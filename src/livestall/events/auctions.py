"""Live auctions in the room: the auction as everyone sees it, and each bidder's own news, privately."""

from __future__ import annotations

from typing import Any

from livestall.events.registry import Declarations, Payload, Timestamp
from livestall.events.selling import MoneyView

DECLARED = Declarations()


@DECLARED.room("auction.scheduled", "auction.started", "auction.bid", "auction.ended", "auction.cancelled",
               when="an auction was set up (pre-bids open), opened, got bids (once per tick), closed or was called off")
class AuctionView(Payload):
    """An auction as the room shows it; `now` is the server's clock when it was sent, to count down to `ends_at`."""

    id: int
    show_id: int
    product_id: int
    variant_id: int | None  # the one variant up for bids, for a product with variants
    variant_label: str | None  # e.g. "M / Grey"; `title` then names it too: "Cardigan · M / Grey"
    title: str
    image_url: str | None
    status: str
    result: str | None
    starting_price: MoneyView
    price: MoneyView
    next_bid: MoneyView
    increment: MoneyView
    leader_name: str | None
    bids: int
    bidders: int
    duration_s: int
    snipe_s: int
    sudden_death: bool
    opened_at: Timestamp | None
    ends_at: Timestamp | None
    now: Timestamp
    winner_name: str | None
    hammer: MoneyView | None


@DECLARED.routed("auction.private",
                 when="bids or the close concern some bidders: their news, by user id, for the auctions part to send")
class AuctionNews(Payload):
    auction_id: int
    users: dict[str, list[dict[str, Any]]]


@DECLARED.frame("auction.winning", when="this viewer leads the auction (their bid, or the platform's for their maximum)")
class Winning(Payload):
    auction_id: int
    price: MoneyView
    max: MoneyView
    ends_at: Timestamp | None
    now: Timestamp


@DECLARED.frame("auction.outbid", when="someone bid higher than this viewer's maximum: their hold is released")
class Outbid(Payload):
    auction_id: int
    price: MoneyView
    next_bid: MoneyView
    leader_name: str | None
    now: Timestamp
    card_last4: str | None = None  # the hold that went back was on this saved card


@DECLARED.frame("auction.won", when="this viewer won the auction: the order, paid from the hold, at the hammer price")
class Won(Payload):
    auction_id: int
    order_id: int
    order_ref: str
    hammer: MoneyView
    card_last4: str | None = None  # the saved card charged, when the hold was on one


@DECLARED.frame("auction.offered",
                when="the winner could not be sold to: this runner-up may buy it at their last bid until `expires_at`")
class Offered(Payload):
    auction_id: int
    price: MoneyView
    expires_at: Timestamp
    now: Timestamp
