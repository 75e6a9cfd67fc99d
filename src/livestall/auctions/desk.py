"""The merged bid writer and the auction clock: each tick settles every bid received, per auction in one
transaction and in order of arrival, publishes the standing once, then closes the auctions whose time is up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.auctions import card_holds
from livestall.auctions.bidding import PendingBid, apply_bid, load_tick, staff_of
from livestall.auctions.hammer import close_auction, due_auctions, expire_offers, orphaned_auctions
from livestall.auctions.service import KeptView, announce, do_cancel_auction, lock_auction
from livestall.db import utcnow
from livestall.errors import DomainError, NotFound
from livestall.realtime.precedence import Precedence
from livestall.settings import get_settings

log = logging.getLogger("livestall.auctions")

TICK_S = 0.1  # bids are merged per tick, like the room's events
CLOSE_EVERY_S = 0.25  # how often the clock looks for auctions whose time is up
EXPIRE_EVERY_S = 5.0  # how often offers to runners-up that ran out are marked unsold
# A close waits this long past `ends_at`, so that bids another process received before the end are settled
# first; whether a bid counts is still decided by when it arrived, never by when it was settled.
CLOSE_GRACE = timedelta(milliseconds=300)
# A close waiting on a card capture longer than this was left midway (a stopped process, Stripe unreachable).
STALLED_CLOSE = timedelta(seconds=30)


class BidDesk:
    """Queues bids by auction and settles them each tick; runs the auctions' clock on this process."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], commission_bps: int) -> None:
        self.sessionmaker = sessionmaker
        self.commission_bps = commission_bps
        self.pending: dict[int, list[tuple[PendingBid, asyncio.Future]]] = defaultdict(list)
        self.task: asyncio.Task | None = None
        self.stats = {"ticks": 0, "bids": 0, "largest": 0}
        self.precedence = Precedence()  # the gateway's, once the room is served
        # Per auction, what its view reads from rows that hardly change; dropped at each tidy, so that a product's
        # new title or a bidder's new name shows within EXPIRE_EVERY_S.
        self.kept: dict[int, KeptView] = {}

    def enqueue(self, pending: PendingBid) -> asyncio.Future:
        """Queue one bid for the next tick: the future of its own answer (a refusal, its DomainError)."""
        if self.task is None:
            raise RuntimeError("the auctions' desk is not running")
        future = asyncio.get_running_loop().create_future()
        self.pending[pending.bid.auction_id].append((pending, future))
        return future

    def start(self) -> None:
        self.task = asyncio.create_task(self.run(), name="auction-desk")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None
        for queue in self.pending.values():
            for _, future in queue:
                if not future.done():
                    future.set_exception(RuntimeError("the server is shutting down"))
        self.pending.clear()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_close = next_expiry = started = loop.time()
        while True:
            # Ticks start every TICK_S; one that took longer (a storm's) is followed at once, not after another
            # TICK_S: every bid it did not hold is waiting for the next.
            await asyncio.sleep(max(0.0, started + TICK_S - loop.time()))
            started = loop.time()
            try:
                # The room's fan-out goes between two ticks of bids (realtime/precedence.py), and the clock's look for
                # auctions to close is then part of the tick: the next one waits on it. Without bids the look is a
                # read that nobody waits on, and fan-out does not wait for it either.
                with self.precedence.writing() if self.pending else contextlib.nullcontext():
                    await self.tick()
                    if loop.time() >= next_close:
                        next_close = loop.time() + CLOSE_EVERY_S
                        await self.close_due()
                if loop.time() >= next_expiry:
                    next_expiry = loop.time() + EXPIRE_EVERY_S
                    await self.tidy()
            except Exception:  # the clock must keep going: the next tick tries again
                log.exception("auction tick failed")

    async def tick(self) -> None:
        """Settle every auction's queued bids, one transaction each."""
        batches, self.pending = self.pending, defaultdict(list)
        for auction_id, batch in batches.items():
            batch.sort(key=lambda item: item[0].received_at)  # a bid that waited on a card came in before others
            self.stats["ticks"] += 1
            self.stats["bids"] += len(batch)
            self.stats["largest"] = max(self.stats["largest"], len(batch))
            try:
                answers = await self._settle(auction_id, batch)
            except Exception as exc:  # rolled back: none of these bids counted
                log.exception("auction bids failed", extra={"auction": auction_id, "bids": len(batch)})
                answers = [exc] * len(batch)
            for (_, future), answer in zip(batch, answers):
                if future.done():
                    continue
                if isinstance(answer, BaseException):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)

    async def _settle(self, auction_id: int, batch: list[tuple[PendingBid, asyncio.Future]]) -> list:
        answers: list = []
        async with self.sessionmaker.begin() as session:
            auction = await lock_auction(session, auction_id)
            if auction is None:
                return [NotFound.field("auction_id", "exists", f"no auction {auction_id}")] * len(batch)
            tick = await load_tick(session, auction, {pending.user_id for pending, _ in batch})
            staff = await staff_of(session, auction)
            for pending, _ in batch:
                if pending.bid.auction_id != auction_id:
                    continue
                try:
                    answers.append(await apply_bid(tick, pending, staff))
                except DomainError as exc:
                    # Without its traceback: that holds this frame, whose `answers` holds the refusal, a cycle
                    # per refused bid that only a full collection frees (most of a storm's bids are refused).
                    answers.append(exc.with_traceback(None))
            await tick.write()  # the wallets' net movements in one transfer, the rows in three statements
            if any(not isinstance(answer, BaseException) for answer in answers):
                now = utcnow()
                view = await announce(session, auction, "auction.bid", now,  # once per tick, whatever the bids
                                      self.kept.setdefault(auction_id, KeptView()))
                await tick.news(now, view)
        return answers

    async def tidy(self) -> None:
        """Offers not taken in time lapse; auctions left waiting in a show that ended are called off, their
        pre-bidders' holds given back."""
        self.kept.clear()
        async with self.sessionmaker.begin() as session:
            await expire_offers(session, utcnow())
        async with self.sessionmaker() as session:
            orphans = await orphaned_auctions(session)
        for auction_id in orphans:
            try:
                async with self.sessionmaker.begin() as session:
                    auction = await lock_auction(session, auction_id)
                    if auction is not None and auction.status == "scheduled":
                        await do_cancel_auction(session=session, auction=auction)
            except Exception:
                log.exception("calling off an auction failed", extra={"auction": auction_id})
        await card_holds.send_cancels(self.sessionmaker, get_settings(), None)  # any left unsent

    async def close_due(self) -> None:
        """Close every auction whose time is up, each in its own transaction."""
        now = utcnow()
        async with self.sessionmaker() as session:
            due = await due_auctions(session, now - CLOSE_GRACE)
            due += await card_holds.stalled_closes(session, now - STALLED_CLOSE)
        for auction_id in due:
            try:
                closed = await self._close(auction_id)
                if isinstance(closed, card_holds.Capture):  # the winner's card, charged with no transaction open
                    captured = await card_holds.capture_for_close(self.sessionmaker, get_settings(), closed)
                    if captured is not None:
                        await self._close(auction_id, captured=captured)
            except Exception:
                log.exception("closing an auction failed", extra={"auction": auction_id})

    async def _close(self, auction_id: int, captured: bool | None = None) -> bool | card_holds.Capture:
        """One close transaction (the hammer, or a card's capture written), between two chunks of the room's frame."""
        with self.precedence.writing():
            async with self.sessionmaker.begin() as session:
                return await close_auction(session, auction_id, now=utcnow(), commission_bps=self.commission_bps,
                                           captured=captured)
