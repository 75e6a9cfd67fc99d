"""The room part for auctions: the show's auction in the join snapshot, the `bid` frame, bidders' news privately."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.auctions import card_holds, service
from livestall.auctions.bidding import PendingBid
from livestall.auctions.desk import BidDesk
from livestall.auctions.models import Auction
from livestall.auctions.schemas import BidIn
from livestall.db import utcnow
from livestall.errors import input_problem
from livestall.events import Event
from livestall.per_show import PerShowMemo
from livestall.realtime import Later
from livestall.settings import Settings
from livestall.shows.models import Show

ROOM_EVENTS = ("auction.scheduled", "auction.started", "auction.bid", "auction.ended", "auction.cancelled")


def keep_auction(state: dict[str, Any], data: dict[str, Any]) -> None:
    """An auction event applied to the kept join state: the show's auction as the event gives it."""
    state["auction"] = {**state.get("auction", {}), "current": dict(data)}


def send_news(event: Event, send_to_user) -> None:
    """Bidders' news names them: each gets their own frames, the room nothing."""
    for user_id, frames in event.data["users"].items():
        for frame in frames:
            fields = {key: value for key, value in frame.items() if key != "type"}
            send_to_user(event.show_id, user_id, frame["type"], **fields)


class AuctionsPart:
    """The running auction for joiners, bids over the socket (merged per tick), and each bidder's standing."""

    name = "auctions"
    keeps = {kind: keep_auction for kind in ROOM_EVENTS}
    private = {"auction.private": send_news}

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession] | None, settings: Settings) -> None:
        self.desk = BidDesk(sessionmaker, settings.commission_bps) if sessionmaker is not None else None
        self.settings = settings
        self.frames = {"bid": self.bid}
        self.taps = ("bid",)  # the last seconds of an auction are thousands of these a second
        # A crowd joining a show with no auction must not ask, joiner by joiner, whether it has one.
        self._current_ids: PerShowMemo[int | None] = PerShowMemo()

    def attach(self, gateway) -> None:
        if self.desk is not None:
            self.desk.precedence = gateway.hub.precedence

    def start(self) -> None:
        if self.desk is not None:
            self.desk.start()

    async def stop(self) -> None:
        if self.desk is not None:
            await self.desk.stop()

    async def bid(self, ctx) -> Later:
        """Stamp and check the bid as it is read, then answer it once its tick has weighed it: the socket's next
        frames are read meanwhile, so that a bidder's later taps are stamped when they came, not a tick later."""
        received_at = utcnow()  # the server's clock decides whether the bid came before the close
        body = {k: v for k, v in ctx.frame.items() if k not in ("v", "id", "type")}
        try:
            bid_in = BidIn.model_validate(body)
        except ValidationError as exc:
            raise input_problem(exc) from None
        pending = PendingBid(ctx.principal.id, bid_in, received_at, ctx.show_id)
        if not self.settings.stripe_secret_key:  # no card to authorize first: straight into the tick
            return Later(self.desk.enqueue(pending))
        return Later(self._card_then_tick(pending))

    async def _card_then_tick(self, pending: PendingBid) -> dict[str, Any]:
        """With Stripe on: the card authorized first where the wallet falls short, then the bid into the tick."""
        bid_in = pending.bid
        # A bid the wallet cannot cover: the saved card is authorized before the bid enters the tick.
        pending.card = await card_holds.authorize_if_needed(
            self.desk.sessionmaker, self.settings, user_id=pending.user_id, show_id=pending.show_id,
            auction_id=bid_in.auction_id, amount=bid_in.amount, max_minor=bid_in.max)
        try:
            return await self.desk.enqueue(pending)
        finally:
            if pending.card is not None:  # not used by the tick (refused, rolled back): cancelled
                await card_holds.drop_if_unused(self.desk.sessionmaker, self.settings, auction_id=bid_in.auction_id,
                                                user_id=pending.user_id, authorization=pending.card)

    async def snapshot(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        auction = await service.current_auction(session=session, show_id=show.id)
        view = await service.auction_view(session, auction) if auction is not None else None
        return {"auction": {"current": view, "mine": None}}

    async def personal(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        async def current_id() -> int | None:
            auction = await service.current_auction(session=session, show_id=show.id)
            return auction.id if auction is not None else None

        auction_id = await self._current_ids.get(show.id, current_id)
        auction = await session.get(Auction, auction_id) if auction_id is not None else None
        if auction is None:
            return {}
        return {"auction": {"mine": await service.my_standing(session=session, auction=auction,
                                                                user_id=principal.id)}}
