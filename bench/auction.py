"""A live auction's last seconds in a full room: thousands of bids a second over the room sockets, and the books after.

    python -m bench.auction --viewers 15000 --bidders 2000 --json auction.json

For each database (--databases), on a fresh world seeded as the flash sale's (bench/flash_world.py: buyers with
login tokens and funded wallets, a live show, a pinned product; here each bidder also has a default delivery
address) and one real `livestall serve`: V viewers join the show's room as bench/socket_rush.py joins them
(V - B anonymous watchers, B logged-in bidders with their session cookie), over client processes using the join
storm's light client. The host (over HTTP) sets up an auction of the pinned product (--duration-s, anti-sniping
window --snipe-s, not sudden death, one step of ¥1) and opens it once everyone is in. Then the bidders bid with
`bid` frames on their room sockets, each answered by an `ack` or `error` with its `ref`:

- a light stream (--light-rate bids/s) from the opening to 3 s before the end;
- the peak: --peak-rate bids/s over the last --peak-s seconds; each bid from a random bidder, a "+step" tap that
  names the next bid its page last showed (--named-share of taps), or leaves the amount out (the next valid bid),
  and --max-share of bids a `max` some steps above the price the page last showed;
- the peak's bids extend the auction (anti-sniping): the bench bids again in the last --peak-s seconds of each of
  --extensions extensions (--tail-rate bids/s), then lets it close; last, --late bids are sent once the API says it
  has closed, which must all be refused (`auction_id`/`closed`).

Measured: every bid answered (answers against bids sent, by kind: ack outcome, or error code/field/rule);
bid-to-answer p50/p99 (from the frame's send to its `ack`/`error`); the price's lag over the peak, p50/p99: from the
server time an `auction.bid` room event names (its tick's commit) to the last socket of each client process that
got its batch (what the 15,000 watch); bid-to-"outbid" p50/p99: the server's bid
rows (auction_bids, in order) are matched to the bids acked, bidder by bidder, and each bid that took the lead
from someone (or lost at once to the leader's max) starts a clock stopped by the first `auction.outbid` private
frame that the outbid bidder's socket gets for that tick (matched by the price it names); the winner: the
auction's API answer (winner, hammer price, bid count) against the bids the bench saw acked (count, highest max,
the proxy rule replayed over the bids in the server's order), no bid settled after the close and none sent
before the end refused as closed (it reached the server in time: it had to be weighed); the books:
`check_books` (every transfer balanced, balances and orders consistent), the auction's hold account against
what its bidders hold; the server's CPU (% of one core, opening to close) and RSS.

The tick's throughput: bids answered per second over the peak, and bids per transaction (bids the desk answered
over the `auction.bid` room events seen, one per tick that accepted a bid). The baseline, in the same run: the
same bids, in the order they were sent, settled in-process one transaction per bid (the tick's own settling
function given one bid at a time) against a fresh identical world: bids/s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.fanout import compact, expect, machine, new_loop, raise_nofile, read_line, say, spawn, tell
from bench.join_storm import LIVESTALL_ENV, Frames, Target, cpu_of, log_problems, quantile, rss_of, \
    stop_child
from bench.socket_rush import ACK, ERROR, RushViewer, crowd_report, join_on_schedule, let_go, text_frame

MODULE = "bench.auction"
STEP = 100  # one band: every bid goes up ¥1, so the price stays within the wallets however many bids land
STARTING_MINOR = 10_000
WALLET_MINOR = 100_000_000  # ¥1,000,000 a bidder: covers any price this bench reaches, and every max it gives
SETTLE_S = 2.0  # after the last join, before the opening
OUTBID, BID_EVENT = b'"type":"auction.outbid"', b'"type":"auction.bid"'
PRICE = re.compile(rb'"price":\{"amount_minor":(\d+)')
NEXT_BID = re.compile(rb'"next_bid":\{"amount_minor":(\d+)')
SEQ = re.compile(rb'"seq":(\d+)')
BID_EVENT_NOW = re.compile(rb'"type":"auction.bid","data":\{.*?"now":"([^"]+)"')


def answer_of(reply: dict) -> str:
    """An `ack`'s outcome (leading, outbid, raised_max), or an `error`'s code, field and rule."""
    if reply.get("type") == "ack":
        return (reply.get("data") or {}).get("outcome", "ack")
    return f"{reply.get('code')} {reply.get('field')}/{reply.get('rule')}"


# -- client processes --------------------------------------------------------------------------

class Room:
    """What one client process's sockets share: the price its pages last showed and the ticks seen."""

    def __init__(self) -> None:
        self.next_bid = STARTING_MINOR
        self.price = STARTING_MINOR
        self.batches: dict[int, list[float]] = {}  # seq -> its `auction.bid` events' server times
        self.last_arrival: dict[int, float] = {}  # seq -> when the last of this process's sockets got it
        self.bid_events: list[float] = []  # when each `auction.bid` arrived: one per tick that accepted a bid

    def batch(self, payload: bytes) -> None:
        """A room batch: the auction's newest price and next bid, and one tick more per `auction.bid` in it."""
        seq = SEQ.search(payload, 0, 200)
        if seq is None:
            return
        seq = int(seq.group(1))
        self.last_arrival[seq] = time.time()
        if seq in self.batches:
            return
        self.batches[seq] = [moment(now.decode()) for now in BID_EVENT_NOW.findall(payload)]
        self.bid_events += [time.time()] * payload.count(BID_EVENT)
        for found in NEXT_BID.findall(payload):
            self.next_bid = max(self.next_bid, int(found))
        for found in PRICE.findall(payload):
            self.price = max(self.price, int(found))


class BidderViewer(RushViewer):
    """A room socket; a bidder's sends `bid` frames, times their answers and the `auction.outbid` notices it gets."""

    def __init__(self, room: Room, frames: Frames, host: str, port: int, path: str, opened, headers: str,
                 k: int = -1) -> None:
        super().__init__(frames, host, port, path, opened, headers)
        self.room, self.k = room, k
        self.bids: dict[int, list] = {}  # id -> [k, kind, sent, answered, answer, sent amount, sent max]
        self.notices: list[list] = []  # [received, price named]
        self.next_id = 0

    def frame(self, payload: bytes) -> None:
        head = payload[:40]
        if self.k >= 0 and (head.startswith(ACK) or head.startswith(ERROR)):
            reply = json.loads(payload)
            bid = self.bids.get(reply.get("ref"))
            if bid is not None and not bid[3]:
                bid[3], bid[4] = time.time(), answer_of(reply)
                data = reply.get("data") or {}
                self.room.price = max(self.room.price, data.get("price_minor") or 0)
                return
        if self.k >= 0 and payload.find(OUTBID, 0, 60) >= 0:
            price = PRICE.search(payload)
            self.notices.append([time.time(), int(price.group(1)) if price else 0])
            return
        if payload.find(BID_EVENT) >= 0:
            self.room.batch(payload)
        super().frame(payload)

    def bid(self, auction_id: int, kind: str, rng: random.Random) -> None:
        """One bid as the page sends it: `+step` naming the shown next bid, `tap` leaving it out, or `max`."""
        self.next_id += 1
        body: dict = {"v": 1, "id": self.next_id, "type": "bid", "auction_id": auction_id}
        if kind == "step":
            body["amount"] = self.room.next_bid
        elif kind == "max":
            body["max"] = self.room.price + STEP * rng.randint(20, 300)
        record = [self.k, kind, 0.0, 0.0, "", body.get("amount"), body.get("max")]
        self.bids[self.next_id] = record
        if not self.open:
            record[4] = "no socket"
            return
        record[2] = time.time()
        self.transport.write(text_frame(compact(body).encode()))


def client_viewers(cfg: dict, loop, frames: Frames, room: Room) -> tuple[list[BidderViewer], list[BidderViewer]]:
    """This process's share of the crowd (every procs-th viewer), and its bidders among them."""
    viewers, bidders = [], []
    origin = f"Origin: {cfg['origin']}\r\n"
    for g in range(cfg["index"], cfg["viewers"], cfg["procs"]):
        path = f"/ws/shows/{cfg['show']}?viewer={os.urandom(12).hex()}"  # the page's per-browser id
        bidder = cfg["bidders"].get(str(g))
        if bidder is None:
            viewers.append(BidderViewer(room, frames, cfg["host"], cfg["port"], path, loop.create_future(), origin))
            continue
        k, token = bidder
        viewer = BidderViewer(room, frames, cfg["host"], cfg["port"], path, loop.create_future(),
                              f"{origin}Cookie: {cfg['cookie']}={token}\r\n", k)
        viewers.append(viewer)
        bidders.append(viewer)
    return viewers, bidders


async def bid_for(bidders: list[BidderViewer], auction_id: int, t0: float, span: float, count: int,
                  shares: tuple[float, float], seed: int) -> None:
    """`count` bids at random moments of [t0, t0 + span], each from a random bidder of this process."""
    rng = random.Random(seed)
    named, with_max = shares
    moments = sorted(t0 + rng.uniform(0, span) for _ in range(count))
    for moment in moments:
        wait = moment - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        draw = rng.random()
        kind = "max" if draw < with_max else "step" if draw < with_max + named else "tap"
        rng.choice(bidders).bid(auction_id, kind, rng)


async def run_client(cfg: dict) -> None:
    """A client process: join its viewers on schedule, bid when told, report, and hang up."""
    loop, frames, room = asyncio.get_running_loop(), Frames(), Room()
    viewers, bidders = client_viewers(cfg, loop, frames, room)
    gc.collect()
    gc.freeze()  # the viewers live to the end: keep them out of the collector's scans
    say("ready", len(viewers))
    late = await join_on_schedule(cfg, viewers)
    rounds: list[asyncio.Task] = []
    while (order := (await read_line()).split()) and order[0] == "bids":  # bids AUCTION T0 SPAN COUNT SEED
        auction_id, start, span, count, seed = int(order[1]), float(order[2]), float(order[3]), int(order[4]), \
            int(order[5])
        if bidders and count:
            rounds.append(asyncio.create_task(bid_for(bidders, auction_id, start, span, count,
                                                      (cfg["named_share"], cfg["max_share"]), seed)))
    await asyncio.gather(*rounds)  # "finish": every round sent; wait for the last answers
    deadline = time.time() + cfg["answer_timeout"]
    while time.time() < deadline and any(b[2] and not b[3] for v in bidders for b in v.bids.values()):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the last ticks' notices
    say("done")
    await read_line()
    say(compact({"bids": [b for v in bidders for b in v.bids.values()],
                 "notices": {str(v.k): v.notices for v in bidders if v.notices},
                 "bid_events": [round(t, 3) for t in room.bid_events], "bidders_in": sum(1 for v in bidders if v.first),
                 "price_seen": [[round(now, 3), round(room.last_arrival[seq], 3)]
                                for seq, nows in room.batches.items() for now in nows],
                 **crowd_report(viewers, late)}))
    await read_line()
    let_go(viewers)


# -- the world ---------------------------------------------------------------------------------

async def seed_auction_world(url: str, bidders: int, tag: str):
    """The flash-sale world with, for the auction, a unit of the pinned product, the bidders' default addresses,
    their wallets funded and the host's login token."""
    from sqlalchemy import insert, select, update

    from bench.flash_sale import SHIPPING
    from bench.flash_world import _quiesce, seed
    from livestall.accounts.models import LoginSession, User
    from livestall.catalog.models import Product
    from livestall.db import make_engine, utcnow
    from livestall.orders.addresses import SavedAddress
    from livestall.orders.models import FlashSale

    world = await seed(url, buyers=bidders, stock=1, per_buyer_limit=None, wallet_minor=WALLET_MINOR, tag=tag)
    engine, now = make_engine(url), utcnow()
    try:
        async with engine.begin() as conn:
            # The pinned product goes up for bids instead of on a flash sale: one unit in stock, the sale over.
            await conn.execute(update(Product.__table__).where(Product.__table__.c.id == world.product_id)
                               .values(stock=1))
            await conn.execute(update(FlashSale.__table__).where(FlashSale.__table__.c.show_id == world.show_id)
                               .values(status="ended"))
            await conn.execute(insert(SavedAddress.__table__), [
                {"user_id": u, "is_default": True, "created_at": now, "updated_at": now, **SHIPPING}
                for u in world.buyer_ids])
            world.seller_id = (await conn.execute(select(User.__table__.c.id).where(
                User.__table__.c.email == f"seller-{tag}@bench.example"))).scalar_one()
            world.seller_token = f"bench-{tag}-host"
            await conn.execute(insert(LoginSession.__table__).values(
                user_id=world.seller_id, token_hash=hashlib.sha256(world.seller_token.encode()).hexdigest(),
                created_at=now, expires_at=now + timedelta(days=1)))
    finally:
        await engine.dispose()
    await _quiesce(url)
    return world


def auction_body(args, product_id: int) -> dict:
    """The auction the host sets up: one step of ¥1 at every price, anti-sniping, not sudden death."""
    return {"product_id": product_id, "starting_price_minor": STARTING_MINOR, "duration_s": args.duration_s,
            "snipe_s": args.snipe_s, "sudden_death": False, "increments": [[None, STEP]]}


# -- the run on a real server ------------------------------------------------------------------

def client_configs(args, world, server, tmp: Path) -> list[Path]:
    """One JSON file per client process (tokens would overflow a command line): its share and its bidders."""
    from livestall.settings import Settings

    paths, places = [], bidder_places(args.viewers, args.bidders, args.client_procs)
    for index in range(args.client_procs):
        bidders = {str(g): [k, world.tokens[k]] for k, g in enumerate(places) if g % args.client_procs == index}
        cfg = {"host": "127.0.0.1", "port": server.ws_port, "show": world.show_id, "origin": server.url,
               "cookie": Settings(_env_file=None).session_cookie, "viewers": args.viewers, "procs": args.client_procs,
               "index": index, "join_rate": args.join_rate, "join_timeout": 30.0, "answer_timeout": args.answer_timeout,
               "named_share": args.named_share, "max_share": args.max_share, "bidders": bidders}
        paths.append(tmp / f"auction-client-{index}.json")
        paths[-1].write_text(json.dumps(cfg))
    return paths


def bidder_places(viewers: int, bidders: int, procs: int) -> list[int]:
    """Where each bidder joins in the crowd: spread evenly through it (and so through the join), and bidder k in
    client process k % procs, so that every process has its share of the bidders."""
    places, taken = [], set()
    for k in range(bidders):
        g = k * viewers // bidders
        g = g - g % procs + k % procs
        if g in taken or g >= viewers:  # a crowded room: the first free place
            g = next(i for i in range(viewers) if i not in taken)
        taken.add(g)
        places.append(g)
    return places


def moment(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class Rounds:
    """Hands each client process its share of a round of bids (its bidders are a share of all of them)."""

    def __init__(self, clients: list, auction_id: int, bidders_per_client: list[int]) -> None:
        self.clients, self.auction_id, self.sent, self.seed = clients, auction_id, [], 0
        self.weights = bidders_per_client

    def send(self, name: str, start: float, span: float, rate: float) -> None:
        count = max(0, round(rate * span))
        self.sent.append({"round": name, "start": start, "span_s": round(span, 3), "bids": count})
        total, given = sum(self.weights) or 1, 0
        for index, client in enumerate(self.clients):
            self.seed += 1
            share = count - given if index == len(self.clients) - 1 else count * self.weights[index] // total
            given += share
            tell(client, f"bids {self.auction_id} {start:.6f} {span:.6f} {share} {self.seed}")

    def ended(self) -> float:
        """When the last round sent ends."""
        return self.sent[-1]["start"] + self.sent[-1]["span_s"]


async def run_auction(name: str, url: str, world, args, tmp: Path) -> tuple[dict, list[dict]]:
    """The server, the crowd in, the auction from its opening to its close; the clients' reports."""
    import httpx

    from tests.appserver import AppProcess

    tmp.mkdir(parents=True, exist_ok=True)
    server = await asyncio.to_thread(AppProcess(database_url=url, data_dir=tmp, env=LIVESTALL_ENV).start)
    clients, host = [], {"Authorization": f"Bearer {world.seller_token}"}
    http = httpx.AsyncClient(base_url=server.url, timeout=30)
    try:
        created = await http.post(f"/api/v1/shows/{world.show_id}/auctions", headers=host,
                                  json=auction_body(args, world.product_id))
        created.raise_for_status()
        auction_id = created.json()["id"]
        clients = [spawn("_client", str(p), module=MODULE) for p in client_configs(args, world, server, tmp)]
        for client in clients:
            await asyncio.to_thread(expect, client, "ready")
        t0 = time.time() + 0.5
        for client in clients:
            tell(client, f"go {t0:.6f}")
        viewers_in = sum([int((await asyncio.to_thread(expect, c, "joined"))[0]) for c in clients])
        await asyncio.sleep(SETTLE_S)
        target, load = Target(server.proc.pid, server.ws_port, log=server.log_path), os.getloadavg()[0]
        (cpu0,), wall0 = cpu_of([target]), time.time()
        opened = await http.post(f"/api/v1/auctions/{auction_id}/open", headers=host)
        opened.raise_for_status()
        ends = moment(opened.json()["ends_at"])
        places = bidder_places(args.viewers, args.bidders, args.client_procs)
        rounds = Rounds(clients, auction_id, [sum(1 for g in places if g % args.client_procs == i)
                                              for i in range(args.client_procs)])
        light_start = time.time() + 0.3
        if ends - args.peak_s > light_start:
            rounds.send("light", light_start, ends - args.peak_s - light_start, args.light_rate)
        rounds.send("peak", ends - args.peak_s, args.peak_s, args.peak_rate)
        extensions = []
        for n in range(args.extensions):
            ends = await next_end(http, auction_id, rounds.ended(), args.peak_s)
            if ends is None or ends - time.time() < 0.3:  # closed, or closing, before the bench could bid again
                break
            extensions.append(ends)
            start = max(time.time() + 0.1, ends - args.peak_s)
            rounds.send(f"extension {n + 1}", start, ends - start, args.tail_rate)
        await wait_closed(http, auction_id, time.time() + args.answer_timeout, result=False)
        if args.late:  # once the server has closed it: each must be refused
            rounds.send("after the close", time.time() + 0.1, 0.8, args.late / 0.8)
        for client in clients:
            tell(client, "finish")
        closed = await wait_closed(http, auction_id, time.time() + args.answer_timeout)
        (cpu1,), wall1, (rss,) = cpu_of([target]), time.time(), rss_of([target])
        for client in clients:
            await asyncio.to_thread(expect, client, "done")
        for client in clients:
            tell(client, "report")
        reports = [json.loads(await asyncio.to_thread(client.stdout.readline)) for client in clients]
        problems = log_problems([target])
    finally:
        await http.aclose()
        for client in clients:
            stop_child(client)
        await asyncio.to_thread(server.stop)
    return {"auction_id": auction_id, "api": closed, "viewers_in": viewers_in, "rounds": rounds.sent,
            "ends_at_after_peak_and_extensions": extensions, "cpu_pct_of_core": round(100 * (cpu1 - cpu0) /
                                                                                      (wall1 - wall0), 1),
            "server_wall_s": round(wall1 - wall0, 1), "rss_mb": round(rss, 1), "load_average_1m": round(load, 2),
            "server_log_problems": problems}, reports


async def next_end(http, auction_id: int, after: float, peak_s: float) -> float | None:
    """The auction's end once the round that ends at `after` is settled (its extensions counted), or as it
    stands when too little time is left to wait; None once it is no longer open."""
    await asyncio.sleep(max(0.0, after - time.time()) + 0.5)
    last = None
    while True:  # the end moves while the round's bids are still being settled
        auction = (await http.get(f"/api/v1/auctions/{auction_id}")).json()
        if auction["status"] != "open":
            return None
        ends = moment(auction["ends_at"])
        if (ends, auction["bids"]) == last or ends - time.time() < peak_s + 0.5:
            return ends
        last = (ends, auction["bids"])
        await asyncio.sleep(1.0)


async def wait_closed(http, auction_id: int, deadline: float, result: bool = True) -> dict:
    """The auction's API answer once the server closed it (and, with `result`, settled its hammer)."""
    while True:
        auction = (await http.get(f"/api/v1/auctions/{auction_id}")).json()
        done = auction["status"] not in ("open", "scheduled") and (auction["result"] is not None or not result)
        if done or time.time() > deadline:
            return auction
        await asyncio.sleep(0.3)


# -- what the database says --------------------------------------------------------------------

async def books(url: str, auction_id: int) -> dict:
    """The auction's rows, its bids in order, the holds against its hold account, and the ledger check."""
    from sqlalchemy import func, select

    from livestall.auctions.holds import HOLD_KIND
    from livestall.auctions.models import Auction, AuctionBid, AuctionBidder
    from livestall.db import make_engine, make_sessionmaker
    from livestall.ledger.models import LedgerAccount
    from livestall.orders.books import check_books

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        auction = await session.get(Auction, auction_id)
        rows = [(b.user_id, b.amount_minor, b.max_minor, b.outcome, b.price_after_minor, b.received_at.timestamp())
                for b in await session.scalars(select(AuctionBid).where(AuctionBid.auction_id == auction_id)
                                                .order_by(AuctionBid.id))]
        held = await session.scalar(select(func.coalesce(func.sum(AuctionBidder.held_minor), 0))
                                    .where(AuctionBidder.auction_id == auction_id))
        account = await session.scalar(select(LedgerAccount.balance_minor).where(
            LedgerAccount.kind == HOLD_KIND, LedgerAccount.owner_key == f"auction:{auction_id}"))
        report = await check_books(session=session)
        out = {"rows": rows, "winner_id": auction.winner_id, "hammer_minor": auction.hammer_minor,
               "price_minor": auction.price_minor, "bids_count": auction.bids_count, "result": auction.result,
               "ends_at": auction.ends_at.timestamp(), "ended_at": auction.ended_at.timestamp()
               if auction.ended_at else None, "held_by_bidders_minor": int(held), "hold_account_minor": account or 0,
               "ledger_balanced": report.ok, "ledger_problems": report.problem_count}
    await engine.dispose()
    return out


# -- the baseline: one transaction per bid -----------------------------------------------------

async def baseline(url: str, world, sequence: list[tuple[int, int | None, int | None]], args) -> dict:
    """The same bids, in the order they were sent, each settled by the tick's own function in a transaction of
    its own, in-process, against a fresh identical world."""
    from livestall.accounts.models import User
    from livestall.auctions.bidding import PendingBid
    from livestall.auctions.desk import BidDesk
    from livestall.auctions.schemas import AuctionCreate, BidIn
    from livestall.auctions.service import do_create_auction, do_open_auction
    from livestall.db import make_engine, make_sessionmaker, utcnow
    from livestall.shows.models import Show

    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        show, host = await session.get(Show, world.show_id), await session.get(User, world.seller_id)
        auction = await do_create_auction(session=session, show=show, creator=host,
                                          auction_in=AuctionCreate(**auction_body(args, world.product_id)))
        await do_open_auction(session=session, auction=auction)
        auction_id = auction.id
    desk = BidDesk(sessionmaker, commission_bps=0)
    answers, latencies = Counter(), []
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    for k, amount, max_minor in sequence:
        bid = BidIn(auction_id=auction_id, amount=amount, max=max_minor)
        pending = PendingBid(world.buyer_ids[k], bid, utcnow(), world.show_id)
        t = time.perf_counter()
        (answer,) = await desk._settle(auction_id, [(pending, loop.create_future())])
        latencies.append(time.perf_counter() - t)
        answers[answer["outcome"] if isinstance(answer, dict) else
                f"{answer.slug} {answer.errors[0].field}/{answer.errors[0].rule}"] += 1
    elapsed = time.perf_counter() - started
    await engine.dispose()
    latencies.sort()
    return {"bids": len(sequence), "bids_per_s": round(len(sequence) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(1000 * quantile(latencies, 0.5), 2), "p99_ms": round(1000 * quantile(latencies, 0.99), 2),
            "answers": dict(answers.most_common())}


# -- the figures -------------------------------------------------------------------------------

def match_rows(rows: list[tuple], bids: list[list], user_ids: list[int]) -> tuple[list[float | None], int]:
    """Each bid row of the server's gets the send time of the bid it was: a bidder's acked bids, in the order
    they were sent, are their rows in order (a socket's bids are settled in the order they were read)."""
    acked: dict[int, list[float]] = defaultdict(list)
    for b in sorted((b for b in bids if b[3] and b[4] in ("leading", "outbid", "raised_max")), key=lambda b: b[2]):
        acked[user_ids[b[0]]].append(b[2])
    taken: Counter = Counter()
    sent, unmatched = [], 0
    for user_id, *_ in rows:
        times = acked.get(user_id, [])
        if taken[user_id] < len(times):
            sent.append(times[taken[user_id]])
        else:
            sent.append(None)
            unmatched += 1
        taken[user_id] += 1
    return sent, unmatched


def outbid_latencies(rows: list[tuple], sent: list[float | None], notices: dict[str, list], user_ids: list[int]) \
        -> dict:
    """Bid-to-"outbid": for each notice, from the send of the first bid since the bidder's last notice that
    left them behind (took the lead from them, or lost at once to the leader's max), to the notice."""
    causes: dict[int, list[tuple[int, float | None]]] = defaultdict(list)  # user -> [(row index, sent)]
    leader = None
    last_at_price: dict[int, int] = {}
    for i, (user_id, _amount, _max, outcome, price_after, _received) in enumerate(rows):
        last_at_price[price_after] = i
        if outcome == "outbid":
            causes[user_id].append((i, sent[i]))
        elif outcome == "leading":
            if leader is not None and leader != user_id:
                causes[leader].append((i, sent[i]))
            leader = user_id
    latencies, unmatched, no_clock = [], 0, 0
    matched_causes = 0
    for k, got in notices.items():
        user_id, done = user_ids[int(k)], -1
        pending = causes.get(user_id, [])
        for received, price in sorted(got):
            end = last_at_price.get(price)
            if end is None:
                unmatched += 1
                continue
            first = next((c for c in pending if done < c[0] <= end), None)
            if first is None:
                unmatched += 1
                continue
            matched_causes += sum(1 for c in pending if done < c[0] <= end)
            done = end
            if first[1] is None:
                no_clock += 1
                continue
            latencies.append(received - first[1])
    latencies.sort()
    causes_all = sum(len(c) for c in causes.values())
    return {"notices": sum(len(g) for g in notices.values()), "notices_timed": len(latencies),
            "notices_unmatched": unmatched, "notices_without_send_time": no_clock,
            "outbids_in_rows": causes_all, "outbids_noticed": matched_causes,
            "outbid_p50_ms": round(1000 * quantile(latencies, 0.5), 1) if latencies else float("nan"),
            "outbid_p99_ms": round(1000 * quantile(latencies, 0.99), 1) if latencies else float("nan"),
            "outbid_max_ms": round(1000 * latencies[-1], 1) if latencies else float("nan")}


def replay(rows: list[tuple]) -> tuple[int | None, int]:
    """The proxy rule over the server's bid rows in order: who leads and at what price (pricing.resolve)."""
    from livestall.auctions.pricing import Standing, resolve

    standing, maxima = Standing(None, STARTING_MINOR, 0), {}
    for user_id, amount, max_minor, _outcome, _price, _received in rows:
        top = max(amount, max_minor or 0, maxima.get(user_id, 0) if user_id == standing.leader_id else 0)
        maxima[user_id] = top
        standing = resolve(standing, bidder_id=user_id, amount_minor=amount, max_minor=top,
                           increments=[[None, STEP]]).standing
    return standing.leader_id, standing.price_minor


def winner_check(db: dict, api: dict, bids: list[list], user_ids: list[int]) -> dict:
    """The winner and price against the bids the bench saw acked, the count, and nothing counted after the close."""
    acked = [b for b in bids if b[4] in ("leading", "outbid", "raised_max")]
    rows = db["rows"]
    tops: dict[int, int] = {}
    for user_id, amount, max_minor, *_ in rows:
        tops[user_id] = max(tops.get(user_id, 0), amount, max_minor or 0)
    best = max(tops.values(), default=0)
    first_best = next((r[0] for r in rows if max(r[1], r[2] or 0) == best), None)  # equal maxima: the earlier leads
    sent_best = max((max(b[5] or 0, b[6] or 0) for b in acked), default=0)
    leader, price = replay(rows)
    after_close = sum(1 for r in rows if r[5] >= db["ends_at"])
    # Sent well before the end (so received before it) yet refused as closed: settled after the close.
    closed_early = sum(1 for b in bids if b[4].endswith("auction_id/closed") and b[2] < db["ends_at"] - 0.05)
    winner_ok = (db["winner_id"] == first_best == leader and db["hammer_minor"] == price
                 and (api.get("hammer") or {}).get("amount_minor") == price and db["result"] == "sold")
    count_ok = len(acked) == len(rows) == db["bids_count"] == api.get("bids")
    return {"winner_user_id": db["winner_id"], "expected_winner_user_id": first_best,
            "hammer_minor": db["hammer_minor"],
            "expected_hammer_minor": price, "highest_max_minor": best, "highest_max_sent_acked_minor": sent_best,
            "result": db["result"], "api_winner_name": api.get("winner_name"), "api_bids": api.get("bids"),
            "bids_acked": len(acked), "bid_rows": len(rows), "rows_after_close": after_close,
            "refused_closed_before_end": closed_early, "count_matches": count_ok,
            "winner_matches_acked": bool(winner_ok and after_close == 0 and count_ok),
            "winner_correct": bool(winner_ok and after_close == 0 and closed_early == 0 and count_ok)}


def summarise(run: dict, reports: list[dict], db: dict, world, args) -> dict:
    """Answers, latencies, the tick's throughput, the winner and the books of one run."""
    bids = [b for r in reports for b in r["bids"]]
    notices = {k: v for r in reports for k, v in r["notices"].items()}
    sent = [b for b in bids if b[2]]
    answered = [b for b in sent if b[3]]
    ack_ms = sorted(1000 * (b[3] - b[2]) for b in answered)
    starts = {r["round"]: (r["start"], r["start"] + r["span_s"]) for r in run["rounds"]}
    peak0, peak1 = starts["peak"]
    peak = [b for b in answered if peak0 - 0.05 <= b[2] <= peak1 + 0.05]
    peak_span = max((b[3] for b in peak), default=peak1) - min((b[2] for b in peak), default=peak0)
    peak_sent = [b for b in sent if peak0 - 0.05 <= b[2] <= peak1 + 0.05]
    by_desk = [b for b in answered if not b[4].startswith(("rate_limited", "unauthorized"))]
    peak_end = max((b[3] for b in peak), default=peak1)
    late = [b for b in sent if "after the close" in starts and b[2] >= starts["after the close"][0] - 0.05]
    row_sent, unmatched_rows = match_rows(db["rows"], bids, world.buyer_ids)
    ms = lambda q: round(quantile(ack_ms, q), 1) if ack_ms else float("nan")  # noqa: E731
    reports_sum = lambda key: dict(sum((Counter(r[key]) for r in reports), Counter()))  # noqa: E731
    waits = sorted(w for r in reports for w in r["waits"])
    bid_events = max((r["bid_events"] for r in reports), key=len, default=[])
    peak_ticks = sum(1 for t in bid_events if peak0 <= t <= peak_end)
    peak_by_desk = sum(1 for b in by_desk if peak0 <= b[3] <= peak_end)
    # How old the price is when the last watcher sees it: from the tick that set it to its frame on every socket.
    price_lags = sorted(1000 * (seen - now) for r in reports for now, seen in r["price_seen"] if peak0 <= now <= peak_end)
    return {
        "bids_sent": len(sent), "answered": len(answered), "unanswered": len(sent) - len(answered),
        "not_sent": len(bids) - len(sent), "answers": dict(Counter(b[4] for b in answered).most_common()),
        "bids_by_kind": dict(Counter(b[1] for b in sent)),
        "ack_p50_ms": ms(0.5), "ack_p99_ms": ms(0.99), "ack_max_ms": ms(1.0),
        "peak_bids_sent": len(peak_sent), "peak_sent_per_s": round(len(peak_sent) / (peak1 - peak0), 1),
        "peak_answered_per_s": round(len(peak) / peak_span, 1) if peak_span > 0 else float("nan"),
        "ticks_with_bids": len(bid_events), "ticks_in_peak": peak_ticks,
        "bids_per_tick": round(len(by_desk) / len(bid_events), 1) if bid_events else 0.0,
        "bids_per_tick_peak": round(peak_by_desk / peak_ticks, 1) if peak_ticks else 0.0,
        "price_lag_p50_ms": round(quantile(price_lags, 0.5), 1) if price_lags else float("nan"),
        "price_lag_p99_ms": round(quantile(price_lags, 0.99), 1) if price_lags else float("nan"),
        **outbid_latencies(db["rows"], row_sent, notices, world.buyer_ids), "rows_without_send_time": unmatched_rows,
        **winner_check(db, run["api"], bids, world.buyer_ids),
        "late_bids": len(late), "late_refused_closed": sum(1 for b in late if b[4].endswith("auction_id/closed")),
        "extensions": len(run["ends_at_after_peak_and_extensions"]),
        "auction_s": round(db["ends_at"] - (run["rounds"][0]["start"] - 0.3), 1),
        "ledger_balanced": db["ledger_balanced"], "ledger_problems": db["ledger_problems"],
        "hold_account_minor": db["hold_account_minor"], "held_by_bidders_minor": db["held_by_bidders_minor"],
        "holds_balance": db["hold_account_minor"] == db["held_by_bidders_minor"],
        "viewers": args.viewers, "viewers_in": run["viewers_in"], "bidders_in": sum(r["bidders_in"] for r in reports),
        "refused_by": reports_sum("fail"), "closed_later_by": reports_sum("after"),
        "first_frame_p99_ms": round(quantile(waits, 0.99), 1) if waits else float("nan"),
        "client_procs": args.client_procs, "client_cpu_s": round(sum(r["cpu_s"] for r in reports), 1),
        "client_join_late_p99_ms": max(r["join_late_p99_ms"] for r in reports),
        **{k: run[k] for k in ("cpu_pct_of_core", "server_wall_s", "rss_mb", "load_average_1m", "rounds",
                               "server_log_problems")}}


def targets_met(r: dict) -> dict:
    """The targets: every bid answered, the winner correct, p99 bid-to-"outbid" <= 500 ms, the ledger balanced."""
    return {"all_answered": r["unanswered"] == 0 and r["not_sent"] == 0, "winner_correct": r["winner_correct"],
            "outbid_p99_le_500ms": r["outbid_p99_ms"] <= 500, "ledger_balanced": r["ledger_balanced"]
            and r["holds_balance"]}


async def run_database(name: str, url_for, args, tmp: Path) -> dict:
    """The auction on a real server, then the baseline on a fresh identical world."""
    from bench.flash_sale import say as note

    note(f"{name}: {args.viewers} viewers in, {args.bidders} bidders bidding")
    url = await asyncio.to_thread(url_for, "auction")
    world = await seed_auction_world(url, args.bidders, "auction")
    run, reports = await run_auction(name, url, world, args, tmp / f"auction-{name}")
    out = summarise(run, reports, await books(url, run["auction_id"]), world, args)
    out["targets"] = targets_met(out)
    sequence = [(b[0], b[5], b[6]) for b in sorted((b for r in reports for b in r["bids"] if b[2]),
                                                   key=lambda b: b[2])]
    if args.baseline_bids:
        sequence = sequence[:args.baseline_bids]
    note(f"{name}: baseline, {len(sequence)} bids one transaction each")
    url = await asyncio.to_thread(url_for, "baseline")
    world = await seed_auction_world(url, args.bidders, "baseline")
    out["baseline"] = await baseline(url, world, sequence, args)
    return out


# -- output ------------------------------------------------------------------------------------

COLUMNS = [("database", None), ("in", "viewers_in"), ("bids", "bids_sent"), ("answered", "answered"),
           ("acked", "bids_acked"), ("ack p50", "ack_p50_ms"), ("ack p99", "ack_p99_ms"),
           ("outbid p50", "outbid_p50_ms"), ("outbid p99", "outbid_p99_ms"), ("peak sent/s", "peak_sent_per_s"),
           ("peak settled/s", "peak_answered_per_s"), ("bids/tx peak", "bids_per_tick_peak"),
           ("price lag p99", "price_lag_p99_ms"), ("baseline bids/s", None),
           ("ext", "extensions"), ("winner ok", "winner_correct"), ("ledger ok", "ledger_balanced"),
           ("cpu %", "cpu_pct_of_core"), ("rss MB", "rss_mb")]


def print_table(results: dict, args) -> None:
    """One row per database, then the answers, the winner and the targets."""
    print(f"live auction, last seconds: {args.viewers} viewers in the room, {args.bidders} bidders; "
          f"{args.duration_s} s, anti-sniping {args.snipe_s} s; peak {args.peak_rate:g} bids/s over the last "
          f"{args.peak_s:g} s, {args.extensions} extensions at {args.tail_rate:g} bids/s; target: every bid answered, "
          "winner correct, p99 bid -> outbid <= 500 ms, ledger balanced")
    rows = [[db] + [f"{r['baseline']['bids_per_s']:g}" if key is None else str(r[key]) for _, key in COLUMNS[1:]]
            for db, r in results.items()]
    widths = [max(len(c), *(len(row[i]) for row in rows)) if rows else len(c) for i, (c, _) in enumerate(COLUMNS)]
    print("  ".join(c.ljust(w) for (c, _), w in zip(COLUMNS, widths)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    for db, r in results.items():
        print(f"{db}: answers {r['answers']}; unanswered {r['unanswered']}, not sent {r['not_sent']}")
        print(f"{db}: winner user {r['winner_user_id']} (expected {r['expected_winner_user_id']}) at "
              f"{r['hammer_minor']} (expected {r['expected_hammer_minor']}), {r['bid_rows']} bid rows, "
              f"{r['api_bids']} bids in the API, {r['rows_after_close']} after the close, "
              f"{r['refused_closed_before_end']} sent before the end refused as closed; late bids "
              f"{r['late_refused_closed']}/{r['late_bids']} refused as closed")
        print(f"{db}: outbid notices {r['notices']}, timed {r['notices_timed']}, unmatched {r['notices_unmatched']}; "
              f"holds {r['hold_account_minor']} on the account = {r['held_by_bidders_minor']} by bidders: "
              f"{r['holds_balance']}; ledger problems {r['ledger_problems']}; server log "
              f"{len(r['server_log_problems'])} lines at WARNING+")
        b = r["baseline"]
        print(f"{db}: baseline {b['bids']} bids one transaction each: {b['bids_per_s']} bids/s (p50 {b['p50_ms']} ms, "
              f"p99 {b['p99_ms']} ms); the tick: {r['peak_answered_per_s']} bids/s over the peak, "
              f"{r['bids_per_tick_peak']} bids a transaction in it ({r['bids_per_tick']} over the whole auction); "
              f"winner matches the acked bids: {r['winner_matches_acked']}; targets {r['targets']}")


def report(results: dict, args) -> dict:
    """The --json document: parameters, machine, one object per database."""
    out: dict = {"benchmark": "auction", "date": datetime.now(UTC).isoformat(timespec="seconds"),
                 "machine": machine(), "parameters": {
                     k: getattr(args, k) for k in ("viewers", "bidders", "duration_s", "snipe_s", "light_rate",
                                                   "peak_rate", "peak_s", "tail_rate", "extensions", "late",
                                                   "named_share", "max_share", "join_rate", "client_procs",
                                                   "answer_timeout", "baseline_bids")}}
    for db, r in results.items():
        out[f"livestall_{db}"] = r
    return out


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.auction", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--viewers", type=int, default=15000, help="sockets in the show's room, the bidders' among "
                                                                   "them")
    parser.add_argument("--bidders", type=int, default=2000, help="logged-in viewers who bid (funded wallets, "
                                                                  "a default address)")
    parser.add_argument("--duration-s", type=int, default=30, help="the auction's duration as the host sets it")
    parser.add_argument("--snipe-s", type=int, default=10, help="anti-sniping window: a bid this close to the end "
                                                                "brings the time left back to it")
    parser.add_argument("--light-rate", type=float, default=20.0, help="bids/s from the opening to the peak")
    parser.add_argument("--peak-rate", type=float, default=5000.0, help="bids/s over the last --peak-s seconds")
    parser.add_argument("--peak-s", type=float, default=3.0, help="the peak's length, before the end and before "
                                                                  "each extension's end")
    parser.add_argument("--tail-rate", type=float, default=1000.0, help="bids/s in each extension's last --peak-s")
    parser.add_argument("--extensions", type=int, default=2,
                        help="extensions the bench bids into after the peak (fewer if the auction closes first)")
    parser.add_argument("--late", type=int, default=20, help="bids sent once the API says the auction closed (each "
                                                              "must be refused as closed)")
    parser.add_argument("--named-share", type=float, default=0.5,
                        help="share of bids that are '+step' taps naming the next bid the page showed (the rest "
                             "leave the amount out, but --max-share)")
    parser.add_argument("--max-share", type=float, default=0.1, help="share of bids giving a max (proxy bids)")
    parser.add_argument("--join-rate", type=float, default=1000.0, help="viewers joining per second, before the "
                                                                        "opening")
    parser.add_argument("--client-procs", type=int, default=0, help="viewer client processes; 0 = one per 5,000")
    parser.add_argument("--answer-timeout", type=float, default=300.0, help="seconds to wait for the last answers "
                                                                           "and the close")
    parser.add_argument("--baseline-bids", type=int, default=0, help="bids replayed by the baseline; 0 = all sent")
    parser.add_argument("--databases", default="sqlite", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if args.bidders > args.viewers or args.bidders < 2:
        parser.error("--bidders: at least 2, and among the --viewers (at most as many)")
    if not 0 <= args.named_share + args.max_share <= 1:
        parser.error("--named-share plus --max-share: between 0 and 1")
    if args.peak_s >= args.snipe_s:
        parser.error("--peak-s must be shorter than --snipe-s (the peak lands inside the anti-sniping window)")
    args.client_procs = args.client_procs or max(1, math.ceil(args.viewers / 5000))
    return args


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    raise_nofile()
    if argv[:1] == ["_client"]:
        new_loop().run_until_complete(run_client(json.loads(Path(argv[1]).read_text())))
        return
    from bench.flash_sale import each_database

    each_database(parse_args(argv), "auction-bench-", run_database, print_table, report)


if __name__ == "__main__":
    main()
