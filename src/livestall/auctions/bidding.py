"""Bids applied to an auction inside one transaction: pre-bids, proxy bids, holds, anti-sniping, and each
bidder's news once the tick is over.

A tick may weigh thousands of bids. Its bidders are read once as plain records, each bid is weighed in memory, and
the tick's rows are written in three statements when it ends (new bidders, changed bidders, the bids): the ORM's
unit of work, at a fraction of a millisecond per object, would cost more than all the weighing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
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
from livestall.orders.addresses import users_with_default_shipping
from livestall.shows.models import Show


@dataclass(slots=True)
class PendingBid:
    """One `bid` frame as the server received it: who, what, and the server's clock at arrival."""

    user_id: int
    bid: BidIn
    received_at: datetime
    show_id: int
    card: Authorization | None = None  # the saved card authorized for it before the tick (auctions/card_holds.py)


BIDDERS, BIDS = AuctionBidder.__table__, AuctionBid.__table__
BIDDER_FIELDS = ("max_minor", "last_bid_minor", "held_minor", "prebid", "updated_at")


@dataclass(slots=True)
class Bidder:
    """A bidder as a tick weighs them (an `auction_bidders` row; `id` None until written)."""

    id: int | None
    user_id: int
    max_minor: int
    last_bid_minor: int
    held_minor: int
    prebid: bool
    updated_at: datetime

    def fields(self) -> tuple:
        return self.max_minor, self.last_bid_minor, self.held_minor, self.prebid, self.updated_at


async def load_bidders(session: AsyncSession, auction: Auction, *where) -> dict[int, Bidder]:
    """The auction's bidders matching `where`, by user, in the order they last bid."""
    rows = await session.execute(select(BIDDERS.c.id, BIDDERS.c.user_id, *(BIDDERS.c[f] for f in BIDDER_FIELDS))
                                 .where(BIDDERS.c.auction_id == auction.id, *where)
                                 .order_by(BIDDERS.c.updated_at, BIDDERS.c.id))
    return {row.user_id: Bidder(*row) for row in rows}


class Tick:
    """One transaction's work on one auction: its bidders as loaded, its bids, and who must hear how they stand."""

    def __init__(self, session: AsyncSession, auction: Auction, bidders: dict[int, Bidder]) -> None:
        self.session, self.auction, self.bidders = session, auction, bidders
        self._as_read = {user_id: bidder.fields() for user_id, bidder in bidders.items()}
        self.bids: list[dict] = []  # the tick's accepted bids, as `auction_bids` rows
        self.purse = holds.Purse(session, auction)
        self.addressed: set[int] = set()  # of the tick's new bidders, those with a default delivery address
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

    async def place(self, bidder: Bidder, amount_minor: int, max_minor: int) -> str:
        """Put the bid against the standing; the old leader's hold goes back when they lose the lead."""
        auction = self.auction
        before = auction.leader_id
        resolved = resolve(self.standing(), bidder_id=bidder.user_id, amount_minor=amount_minor,
                           max_minor=max_minor, increments=auction.increments)
        auction.leader_id, auction.price_minor = resolved.standing.leader_id, resolved.standing.price_minor
        auction.bids_count += 1
        self.touched.add(bidder.user_id)
        if resolved.outcome == "outbid":
            self._note_card(bidder.user_id, await self.purse.release(bidder))
            if before is not None:
                self.touched.add(before)  # their proxy bid for them: the price they lead at rose
        elif before is not None and before != bidder.user_id:
            self.touched.add(before)
            self._note_card(before, await self.purse.release(self.bidders[before]))
        return resolved.outcome

    def _note_card(self, user_id: int, card_last4: str | None) -> None:
        if card_last4 is not None:
            self.cards_released[user_id] = card_last4

    async def write(self) -> None:
        """Write what the tick changed, once, when its bids are weighed: the wallets' transfer, new and changed
        bidders, the bids."""
        await self.purse.settle()
        new, changed = [], []
        for user_id, bidder in self.bidders.items():
            if bidder.id is None:
                new.append({"auction_id": self.auction.id, "user_id": user_id, "holds": 0,
                            **dict(zip(BIDDER_FIELDS, bidder.fields()))})
            elif bidder.fields() != self._as_read[user_id]:
                changed.append({"bidder_id": bidder.id, **dict(zip(BIDDER_FIELDS, bidder.fields()))})
        if new:
            await self.session.execute(insert(BIDDERS), new)
        if changed:
            await self.session.execute(update(BIDDERS).where(BIDDERS.c.id == bindparam("bidder_id"))
                                       .values({f: bindparam(f) for f in BIDDER_FIELDS}), changed)
        if self.bids:
            await self.session.execute(insert(BIDS), self.bids)

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
    """The auction's bidders among `user_ids` and its leader, their money, and which newcomers have somewhere to
    send the order: loaded once for the tick, so that each bid is weighed in memory."""
    wanted = set(user_ids) | ({auction.leader_id} if auction.leader_id is not None else set())
    tick = Tick(session, auction, await load_bidders(session, auction, BIDDERS.c.user_id.in_(wanted)))
    await tick.purse.load(wanted)
    tick.addressed = await users_with_default_shipping(session, wanted - tick.bidders.keys())
    return tick


async def staff_of(session: AsyncSession, auction: Auction) -> set[int]:
    """Who may not bid: the show's host and the shop's owners and staff (one round trip: a tick makes it)."""
    host = select(Show.host_id).where(Show.id == auction.show_id)
    members = select(ShopMember.user_id).where(ShopMember.shop_id == auction.shop_id)
    return set(await session.scalars(host.union_all(members)))


def _money(auction: Auction, minor: int) -> str:
    return Money(minor, auction.currency).format()


async def apply_bid(tick: Tick, pending: PendingBid, staff: set[int]) -> dict:
    """Apply one bid (or pre-bid) in arrival order; a refusal raises and changes nothing."""
    auction, bid = tick.auction, pending.bid
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
        if pending.user_id not in tick.addressed:
            raise Invalid.field("shipping", "required", "add a delivery address before bidding: the winner's "
                                                        "order goes to it")
        bidder = Bidder(None, pending.user_id, max_minor=top, last_bid_minor=amount, held_minor=0,
                        prebid=auction.status == "scheduled", updated_at=pending.received_at)
        tick.bidders[pending.user_id] = bidder
    await tick.purse.hold_up_to(bidder, top, pending.card)  # raises insufficient_funds, nothing held
    bidder.max_minor, bidder.last_bid_minor, bidder.updated_at = top, amount, pending.received_at
    if auction.status == "scheduled":
        outcome = "prebid"
    else:
        outcome = await tick.place(bidder, amount, top)
        _hold_off_snipers(auction, pending.received_at)
    tick.bids.append({"auction_id": auction.id, "user_id": pending.user_id, "amount_minor": amount,
                      "max_minor": bid.max, "outcome": outcome, "price_after_minor": auction.price_minor,
                      "received_at": pending.received_at})
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
    tick = Tick(session, auction, await load_bidders(session, auction, BIDDERS.c.prebid.is_(True)))
    prebidders = list(tick.bidders.values())
    await tick.purse.load(tick.bidders)
    for bidder in prebidders:
        minimum = tick.minimum()
        if bidder.max_minor < minimum:  # already beaten before their turn: their money goes back
            tick.touched.add(bidder.user_id)
            await tick.purse.release(bidder)
            continue
        await tick.place(bidder, minimum, bidder.max_minor)
    await tick.write()
    await tick.news(now)
    return tick
