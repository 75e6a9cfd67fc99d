"""The tick under a burst: the room reads a bidder's next taps while a bid waits for its tick, and a tick's wallet
movements are netted, so a bidder held and outbid within one tick sees no money move."""

from __future__ import annotations

import asyncio
import time

from tests.auctions.support import auction_world, balance, bidder, get_auction, open_auction
from tests.orders.support import ledger_check
from tests.room_client import RoomClient


def test_a_bidder_s_quick_taps_are_read_while_the_first_waits_for_its_tick(api, app_server, database_url):
    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann = bidder(api, database_url, name="Ann")
    with RoomClient(app_server.ws_base, show_id, ann.token) as room:
        open_auction(api, world)
        sent = time.monotonic()
        first = room.send("bid", auction_id=auction_id, amount=10000)
        raised = room.send("bid", auction_id=auction_id, max=20000)  # a second tap at once: raise my max
        pinged = room.send("ping")
        answers = [room.wait_frame(lambda f, ref=ref: f.get("ref") == ref) for ref in (first, raised, pinged)]
        # The ping is answered before the bids' tick has come round: the socket was read on, not held by the bid.
        order = [frame["ref"] for frame in room.frames if frame.get("ref") in (first, raised, pinged)]
        assert order.index(pinged) < order.index(first), room.frames
        assert answers[0]["data"]["outcome"] == "leading", answers
        assert answers[1]["data"]["outcome"] == "raised_max", answers
        assert time.monotonic() - sent < 10
    state = get_auction(api, auction_id, ann)
    assert state["bids"] == 2 and state["mine"]["held"]["amount_minor"] == 20000
    assert balance(api, ann) == 100_000 - 20000
    bo = bidder(api, database_url, name="Bo")
    with RoomClient(app_server.ws_base, show_id, bo.token) as room:
        taken = room.request("bid", auction_id=auction_id, amount=21000)
        assert taken["data"]["outcome"] == "leading", taken
    assert balance(api, ann) == 100_000  # outbid in a later tick: her hold came back
    page = api.get("/account/wallet", headers={"Cookie": f"livestall_session={ann.token}"})
    assert "Held for an auction" in page.text and page.text.count("Back from an auction") == 1


def test_a_tick_moves_only_the_money_still_held_when_it_ends(api, app_server, database_url):
    """Five bids settled in one tick, as a burst brings them: the two bidders outbid within it see no entry on their
    wallet, the leader one hold, the short wallet is refused, and the books balance."""
    from livestall.auctions.bidding import PendingBid
    from livestall.auctions.desk import BidDesk
    from livestall.auctions.schemas import BidIn
    from livestall.db import make_engine, make_sessionmaker, utcnow

    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann, bo, cy = (bidder(api, database_url, name=name) for name in ("Ann", "Bo", "Cy"))
    dee = bidder(api, database_url, wallet_minor=5000, name="Dee")
    open_auction(api, world)
    taps = [(ann, {"amount": 10000}), (bo, {"amount": 11000}), (cy, {"amount": 12000, "max": 20000}),
            (dee, {"amount": 13000}), (ann, {"amount": 13000})]

    async def one_tick() -> list:
        engine = make_engine(database_url)
        try:
            desk = BidDesk(make_sessionmaker(engine), commission_bps=0)
            loop = asyncio.get_running_loop()
            batch = [(PendingBid(actor.id, BidIn(auction_id=auction_id, **fields), utcnow(), show_id),
                      loop.create_future()) for actor, fields in taps]
            return await desk._settle(auction_id, batch)
        finally:
            await engine.dispose()

    answers = asyncio.run(one_tick())
    outcomes = [a["outcome"] if isinstance(a, dict) else a.errors[0].rule for a in answers]
    assert outcomes == ["leading", "leading", "leading", "insufficient_funds", "outbid"]
    state = get_auction(api, auction_id)
    assert state["leader_name"] == "Cy" and state["price"]["amount_minor"] == 14000 and state["bids"] == 4

    def wallet_entries(actor) -> list[dict]:
        return api.get("/api/v1/me/wallet", headers=actor.headers).json()["entries"]

    for outbid in (ann, bo):  # held and given back within the tick: no hold, no release on their statement
        assert balance(api, outbid) == 100_000
        assert [entry["kind"] for entry in wallet_entries(outbid)] == ["wallet_topup"]
    assert balance(api, cy) == 100_000 - 20000  # the leader's max, held
    assert [entry["kind"] for entry in wallet_entries(cy)] == ["auction_holds", "wallet_topup"]
    page = api.get("/account/wallet", headers={"Cookie": f"livestall_session={cy.token}"})
    assert page.status_code == 200 and "Held for an auction" in page.text  # not "Other"
    assert balance(api, dee) == 5000
    assert ledger_check(api, database_url)["ok"] is True


def test_a_storm_of_refused_bids_leaves_nothing_for_the_garbage_collector(api, app_server, database_url):
    """Most of a storm's bids are refused (below the minimum): each refusal must be freed as soon as it is answered,
    not wait for a full collection, which walks every pending bid and stalls the room while it does."""
    import gc

    from livestall.auctions.bidding import PendingBid
    from livestall.auctions.desk import BidDesk
    from livestall.auctions.schemas import BidIn
    from livestall.db import make_engine, make_sessionmaker, utcnow

    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann = bidder(api, database_url, name="Ann")
    open_auction(api, world)

    async def garbage_after_tick(refused: int) -> int:
        """Objects the collector finds after one tick of `refused` bids below the minimum."""
        engine = make_engine(database_url)
        try:
            desk = BidDesk(make_sessionmaker(engine), commission_bps=0)
            loop = asyncio.get_running_loop()
            batch = [(PendingBid(ann.id, BidIn(auction_id=auction_id, amount=100), utcnow(), show_id),
                      loop.create_future()) for _ in range(refused)]
            gc.collect()
            gc.disable()
            try:
                answers = await desk._settle(auction_id, batch)
                assert [a.errors[0].rule for a in answers] == ["below_minimum"] * refused
                del answers, batch
                return gc.collect()
            finally:
                gc.enable()
        finally:
            await engine.dispose()

    few, many = asyncio.run(garbage_after_tick(2)), asyncio.run(garbage_after_tick(400))
    assert many - few < 100, (few, many)  # before: about ten objects kept alive by each refusal


def test_a_tick_that_ran_long_is_followed_at_once_by_the_next():
    """Ticks start every TICK_S; in a storm a tick takes longer than that, and the bids that came meanwhile must
    not wait another TICK_S on top of it."""
    from livestall.auctions.desk import TICK_S, BidDesk

    class TimedDesk(BidDesk):
        def __init__(self) -> None:
            super().__init__(None, commission_bps=0)
            self.spans: list[tuple[float, float]] = []

        async def tick(self) -> None:
            started = time.monotonic()
            await asyncio.sleep(3 * TICK_S if len(self.spans) < 3 else 0)  # three storm ticks, then quiet ones
            self.spans.append((started, time.monotonic()))

        async def close_due(self) -> None:
            pass

        async def tidy(self) -> None:
            pass

    async def run_for(seconds: float) -> list[tuple[float, float]]:
        desk = TimedDesk()
        desk.start()
        await asyncio.sleep(seconds)
        await desk.stop()
        return desk.spans

    spans = asyncio.run(run_for(1.5))
    gaps = [nxt[0] - end for (_, end), nxt in zip(spans, spans[1:])]
    # After each long tick the next comes at once (waiting another TICK_S would put each gap at TICK_S or more);
    # the bounds leave room for a busy machine.
    assert all(gap < 0.9 * TICK_S for gap in gaps[:2]), gaps
    quiet = [nxt[0] - start for (start, _), nxt in zip(spans[3:], spans[4:])]
    assert quiet and all(0.8 * TICK_S < step < 10 * TICK_S for step in quiet), quiet  # quiet ticks: every TICK_S


def test_an_idle_desk_never_holds_up_the_rooms_frames(api, app_server, database_url):
    """The room's fan-out waits while the desk settles bids (realtime/precedence.py). With no bid waiting, the desk's
    clock still looks for auctions to close four times a second, and the room's frames must not wait on that."""
    from livestall.auctions.bidding import PendingBid
    from livestall.auctions.desk import CLOSE_EVERY_S, BidDesk
    from livestall.auctions.schemas import BidIn
    from livestall.db import make_engine, make_sessionmaker, utcnow

    class WatchedDesk(BidDesk):
        """Notes whether fan-out is held back as the desk looks for auctions to close, and as it settles bids."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.held_while_looking: list[bool] = []
            self.held_while_settling: list[bool] = []

        async def tick(self) -> None:
            if self.pending:
                self.held_while_settling.append(bool(self.precedence.open))
            await super().tick()

        async def close_due(self) -> None:
            if not self.held_while_settling:  # (a look right after a tick of bids is part of that tick)
                self.held_while_looking.append(bool(self.precedence.open))
            await super().close_due()

    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann = bidder(api, database_url, name="Ann")
    open_auction(api, world)

    async def idle_then_one_bid() -> tuple[WatchedDesk, dict]:
        engine = make_engine(database_url)
        desk = WatchedDesk(make_sessionmaker(engine), commission_bps=0)
        desk.start()
        try:
            await asyncio.sleep(4 * CLOSE_EVERY_S)
            answer = await desk.enqueue(PendingBid(ann.id, BidIn(auction_id=auction_id, amount=10000), utcnow(),
                                                   show_id))
            return desk, answer
        finally:
            await desk.stop()
            await engine.dispose()

    desk, answer = asyncio.run(idle_then_one_bid())
    assert desk.held_while_looking and not any(desk.held_while_looking)
    assert answer["outcome"] == "leading" and desk.held_while_settling == [True]  # a tick fan-out lets by


def test_a_running_auctions_product_is_read_once_and_a_new_title_shows_after_the_next_tidy(api, app_server,
                                                                                           database_url):
    """Each tick's view of the auction is what the room shows; what it takes from the product and the bidders' names
    is kept between ticks (a storm's round trips wait behind the loop), and read again at each tidy."""
    from sqlalchemy import event

    from livestall.auctions.bidding import PendingBid
    from livestall.auctions.desk import BidDesk
    from livestall.auctions.schemas import BidIn
    from livestall.db import make_engine, make_sessionmaker, utcnow

    world = auction_world(api)
    auction_id, show_id, product = world["auction"]["id"], world["show"]["id"], world["product"]
    ann, bo = bidder(api, database_url, name="Ann"), bidder(api, database_url, name="Bo")
    open_auction(api, world)

    async def ticks() -> list[tuple[dict, list[str]]]:
        engine = make_engine(database_url)
        statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        published: list = []
        desk = BidDesk(make_sessionmaker(engine, publisher=published.append), commission_bps=0)
        seen = []

        async def tick(actor, amount: int) -> None:
            statements.clear()
            future = asyncio.get_running_loop().create_future()
            pending = PendingBid(actor.id, BidIn(auction_id=auction_id, amount=amount), utcnow(), show_id)
            answers = await desk._settle(auction_id, [(pending, future)])
            assert answers[0]["outcome"] == "leading", answers
            room = [ev.data for ev in published if ev.type == "auction.bid"][-1]  # what the room was sent
            seen.append((room, [s for s in statements if "FROM products" in s]))

        try:
            await tick(ann, 10000)
            await tick(bo, 11000)
            renamed = api.patch(f"/api/v1/products/{product['id']}", json={"title": "Akoya pearl, 8 mm"},
                                headers=world["seller"].headers)
            assert renamed.status_code == 200, renamed.text
            await tick(ann, 12000)  # kept: the old title until the tidy
            await desk.tidy()
            await tick(bo, 13000)
            return seen
        finally:
            await engine.dispose()

    seen = asyncio.run(ticks())
    assert [len(reads) for _, reads in seen] == [1, 0, 0, 1]  # read at the first tick, and after the tidy
    assert [view["leader_name"] for view, _ in seen] == ["Ann", "Bo", "Ann", "Bo"]
    assert [view["price"]["amount_minor"] for view, _ in seen] == [10000, 11000, 12000, 13000]
    assert [view["bidders"] for view, _ in seen] == [1, 2, 2, 2]
    title = world["auction"]["title"]
    assert [view["title"] for view, _ in seen] == [title, title, title, "Akoya pearl, 8 mm"]
    assert get_auction(api, auction_id)["title"] == "Akoya pearl, 8 mm"  # the API reads it afresh
