"""Bids applied to an auction inside one transaction: pre-bids, proxy bids, holds, anti-sniping, and each
bidder's news once the tick is over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.auctions import holds
from livestall.auctions.models import Auction, AuctionBid, AuctionBidder
from livestall.auctions.pricing import Standing, minimum_bid, resolve
from livestall.auctions.schemas import BidIn
from livestall.auctions.service import auction_view
from livestall.catalog.models import ShopMember
from livestall.errors import Conflict, Forbidden, Invalid, NotFound
from livestall.events import Event, publish_on_commit
from livestall.ledger.providers.saved_cards import Authorization
from livestall.money import Money
from livestall.orders.addresses import get_default_shipping
from livestall.shows.models import Show


@dataclass(slots=True)
class PendingBid:
    """One `bid` frame as the server received it: who, what, and the server's clock at arrival."""

    user_id: int
    bid: BidIn
    received_at: datetime
    show_id: int
    card: Authorization | None = None  # the saved card authorized for it before the tick (auctions/card_holds.py)


class Tick:
    """One transaction's work on one auction: its bidders as loaded, and who must hear how they stand."""

    def __init__(self, session: AsyncSession, auction: Auction, bidders: dict[int, AuctionBidder]) -> None:
        self.session, self.auction, self.bidders = session, auction, bidders
        self.touched: set[int] = set()  # bidders whose standing this tick decided
        self.cards_released: dict[int, str] = {}  # bidders whose card hold went back: the card's last four digits

    def standing(self) -> Standing:
        auction = self.auction
        leader = self.bidders.get(auction.leader_id) if auction.leader_id is not None else None
        return Standing(auction.leader_id, auction.price_minor, leader.max_minor if leader else 0)

    def minimum(self) -> int:
        auction = self.auction
        return minimum_bid(starting_minor=auction.starting_price_minor, price_minor=auction.price_minor,
                           has_leader=auction.leader_id is not None, increments=auction.increments)

    async def place(self, bidder: AuctionBidder, amount_minor: int, max_minor: int) -> str:
        """Put the bid against the standing; the old leader's hold goes back when they lose the lead."""
        auction = self.auction
        before = auction.leader_id
        resolved = resolve(self.standing(), bidder_id=bidder.user_id, amount_minor=amount_minor,
                           max_minor=max_minor, increments=auction.increments)
        auction.leader_id, auction.price_minor = resolved.standing.leader_id, resolved.standing.price_minor
        auction.bids_count += 1
        self.touched.add(bidder.user_id)
        if resolved.outcome == "outbid":
            self._note_card(bidder.user_id, await holds.release(self.session, auction, bidder))
            if before is not None:
                self.touched.add(before)  # their proxy bid for them: the price they lead at rose
        elif before is not None and before != bidder.user_id:
            self.touched.add(before)
            self._note_card(before, await holds.release(self.session, auction, self.bidders[before]))
        return resolved.outcome

    def _note_card(self, user_id: int, card_last4: str | None) -> None:
        if card_last4 is not None:
            self.cards_released[user_id] = card_last4

    async def news(self, now: datetime, view: dict | None = None) -> None:
        """Each bidder this tick concerned hears once how they stand now: winning, or outbid."""
        if not self.touched:
            return
        auction = self.auction
        view = view or await auction_view(self.session, auction, now)
        users: dict[str, list[dict]] = {}
        for user_id in self.touched:
            if user_id == auction.leader_id:
                frame = {"type": "auction.winning", "auction_id": auction.id, "price": view["price"],
                         "max": Money(self.bidders[user_id].max_minor, auction.currency).as_dict(),
                         "ends_at": view["ends_at"], "now": view["now"]}
            else:
                frame = {"type": "auction.outbid", "auction_id": auction.id, "price": view["price"],
                         "next_bid": view["next_bid"], "leader_name": view["leader_name"], "now": view["now"]}
                if user_id in self.cards_released:  # the hold that went back was on their card, not the wallet
                    frame["card_last4"] = self.cards_released[user_id]
            users[str(user_id)] = [frame]
        publish_on_commit(self.session, Event(auction.show_id, "auction.private",
                                              {"auction_id": auction.id, "users": users}))
        self.touched.clear()
        self.cards_released.clear()


async def load_tick(session: AsyncSession, auction: Auction, user_ids: set[int]) -> Tick:
    """The auction's bidders among `user_ids` and its leader, loaded once for the tick."""
    wanted = set(user_ids) | ({auction.leader_id} if auction.leader_id is not None else set())
    rows = await session.scalars(select(AuctionBidder).where(AuctionBidder.auction_id == auction.id,
                                                             AuctionBidder.user_id.in_(wanted)))
    return Tick(session, auction, {bidder.user_id: bidder for bidder in rows})


async def staff_of(session: AsyncSession, auction: Auction) -> set[int]:
    """Who may not bid: the show's host and the shop's owners and staff."""
    show = await session.get(Show, auction.show_id)
    members = await session.scalars(select(ShopMember.user_id).where(ShopMember.shop_id == auction.shop_id))
    return {*members, show.host_id}


def _money(auction: Auction, minor: int) -> str:
    return Money(minor, auction.currency).format()


async def apply_bid(tick: Tick, pending: PendingBid, staff: set[int]) -> dict:
    """Apply one bid (or pre-bid) in arrival order; a refusal raises and changes nothing."""
    session, auction, bid = tick.session, tick.auction, pending.bid
    if auction.show_id != pending.show_id:
        raise NotFound.field("auction_id", "in_this_show", f"no auction {auction.id} in this show")
    if pending.user_id in staff:
        raise Forbidden.field("auction_id", "own_shop", "the host and the shop's people cannot bid in its auctions")
    if auction.status in ("ended", "cancelled") or (
            auction.status == "open" and pending.received_at >= auction.ends_at):
        raise Conflict.field("auction_id", "closed", "the auction has closed")
    if auction.status != "open" and auction.status != "scheduled":
        raise Conflict.field("auction_id", "not_open", "the auction is not open")
    bidder = tick.bidders.get(pending.user_id)
    leading = auction.status == "open" and auction.leader_id == pending.user_id
    minimum = auction.starting_price_minor if auction.status == "scheduled" else tick.minimum()
    if leading:
        if bid.max is None or bid.max <= bidder.max_minor:
            raise Conflict.field("amount", "already_leading",
                                 f"you are the highest bidder, up to {_money(auction, bidder.max_minor)}; "
                                 "to go higher, give a larger max")
        amount = auction.price_minor
    else:
        amount = bid.amount if bid.amount is not None else minimum
        if amount < minimum:
            raise Conflict.field("amount", "below_minimum", f"the lowest bid now is {_money(auction, minimum)}")
    if bid.max is not None and bid.max < amount:
        raise Invalid.field("max", "at_least_amount", f"the max must be at least the bid, {_money(auction, amount)}")
    top = max(amount, bid.max or 0, bidder.max_minor if bidder is not None and auction.status == "scheduled" else 0)
    if bidder is None:
        if await get_default_shipping(session=session, user_id=pending.user_id) is None:
            raise Invalid.field("shipping", "required", "add a delivery address before bidding: the winner's "
                                                        "order goes to it")
        bidder = AuctionBidder(auction_id=auction.id, user_id=pending.user_id, max_minor=top, last_bid_minor=amount,
                               held_minor=0, holds=0, prebid=auction.status == "scheduled",
                               updated_at=pending.received_at)
        session.add(bidder)
        await session.flush()
        tick.bidders[pending.user_id] = bidder
    await holds.hold_up_to(session, auction, bidder, top, pending.card)  # raises insufficient_funds, nothing held
    bidder.max_minor, bidder.last_bid_minor, bidder.updated_at = top, amount, pending.received_at
    if auction.status == "scheduled":
        outcome = "prebid"
    else:
        outcome = await tick.place(bidder, amount, top)
        _hold_off_snipers(auction, pending.received_at)
    session.add(AuctionBid(auction_id=auction.id, user_id=pending.user_id, amount_minor=amount, max_minor=bid.max,
                           outcome=outcome, price_after_minor=auction.price_minor, received_at=pending.received_at))
    return {"outcome": outcome, "leading": auction.leader_id == pending.user_id,
            "price_minor": auction.price_minor, "max_minor": bidder.max_minor,
            "ends_at": auction.ends_at.isoformat() if auction.ends_at else None}


def _hold_off_snipers(auction: Auction, received_at: datetime) -> None:
    """A bid in the last `snipe_s` seconds brings the time left back to `snipe_s`, unless sudden death."""
    window = timedelta(seconds=auction.snipe_s)
    if not auction.sudden_death and auction.ends_at - received_at < window:
        auction.ends_at = received_at + window


async def place_prebids(session: AsyncSession, auction: Auction, now: datetime) -> Tick:
    """At the opening, each pre-bid becomes a proxy bid up to its maximum, in the order they came."""
    prebidders = list(await session.scalars(select(AuctionBidder).where(AuctionBidder.auction_id == auction.id,
                                                                        AuctionBidder.prebid.is_(True))
                                            .order_by(AuctionBidder.updated_at, AuctionBidder.id)))
    tick = Tick(session, auction, {bidder.user_id: bidder for bidder in prebidders})
    for bidder in prebidders:
        minimum = tick.minimum()
        if bidder.max_minor < minimum:  # already beaten before their turn: their money goes back
            tick.touched.add(bidder.user_id)
            await holds.release(session, auction, bidder)
            continue
        await tick.place(bidder, minimum, bidder.max_minor)
    await tick.news(now)
    return tick
