"""Flash sale: thousands of buyers hit one item at once; orders/s, latency and oversell, per database.

    python -m bench.flash_sale --attempts 20000 --stock 1000 --buyers 5000 --json flash.json

For each database (SQLite, and PostgreSQL when its server binaries are installed) it measures, on
fresh data: the baseline (one conditional UPDATE committed per attempt), the merged purchase path
in-process (the batcher, without HTTP), a trivial authenticated endpoint (GET /api/v1/me) on a real
`livestall serve`, and buy-now through that same server (reserving), then paying the won orders from wallets.

    python -m bench.flash_sale --via socket --viewers 15000 --buyers 5000 --stock 1000 --json rush.json

With `--via socket` it measures a rush in a full room instead (bench/socket_rush.py): --viewers in the
show's room, --buyers of them tapping buy within --rush-s over their room sockets, then the same rush
over HTTP on a fresh identical world; tap-to-answer, answers, oversell, orders and the books, per database.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select, text

from bench import socket_rush
from bench.fanout import machine, raise_nofile
from bench.flash_world import WARMUP_UNITS, World, seed
from bench.http_load import percentiles, request_bytes, run_load
from livestall import migrate
from livestall.db import make_engine, make_sessionmaker
from livestall.orders.batcher import PurchaseBatcher
from livestall.orders.books import check_books
from livestall.orders.models import FlashSale, Order
from livestall.orders.settle import Attempt, Offer

SHIPPING = {"name": "Bench Buyer", "line1": "1 Bench Road", "line2": "", "city": "Tianshui", "region": "",
            "postal_code": "741000", "country": "CN", "phone": ""}


async def baseline(url: str, world: World, attempts: int, concurrency: int, stock: int) -> dict:
    """One transaction per attempt: a conditional UPDATE of the stock row, committed."""
    engine = make_engine(url)
    latencies, cursor = [], [0]
    stmt = text("UPDATE products SET stock = stock - 1 WHERE id = :id AND stock >= 1")

    async def worker() -> None:
        while cursor[0] < attempts:
            cursor[0] += 1
            started = time.perf_counter()
            async with engine.begin() as conn:
                await conn.execute(stmt, {"id": world.baseline_product_id})
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    async with engine.connect() as conn:
        left = (await conn.execute(text("SELECT stock FROM products WHERE id = :id"),
                                   {"id": world.baseline_product_id})).scalar_one()
    await engine.dispose()
    return {"attempts": attempts, "attempts_per_s": round(attempts / elapsed), **percentiles(latencies),
            "units_sold": stock - left, "units_left": left, "concurrency": concurrency}


async def merged(url: str, world: World, args) -> dict:
    """The purchase batcher in-process: concurrent attempts, merged per offer, one transaction per batch.

    Like the HTTP server, which is warmed up first, it starts warm: a small sale of another product
    has opened its connection and prepared its statements."""
    engine = make_engine(url)
    batcher = PurchaseBatcher(engine, reservation=timedelta(minutes=15), max_batch=args.batch)
    warmup = Offer(world.show_id, world.shop_id, world.baseline_product_id, world.warmup_flash_sale_id, 9900,
                   "CNY", args.limit, (), "Warm-up scarf")
    await asyncio.gather(*(batcher.submit(Attempt(warmup, buyer_id, 1, SHIPPING, uuid.uuid4().hex, "h"))
                           for buyer_id in world.buyer_ids[:2 * WARMUP_UNITS]))
    offers = [Offer(world.show_id, world.shop_id, world.product_id, sale_id, 9900, "CNY", args.limit, (),
                    "Flash scarf", variant_id=variant_id)
              for sale_id, variant_id in zip(world.flash_sale_ids, world.variant_ids or [None])]
    attempts = [Attempt(offers[i % len(offers)], world.buyer_ids[i % len(world.buyer_ids)], 1, SHIPPING,
                        uuid.uuid4().hex, "h") for i in range(args.attempts)]
    latencies, cursor, results = [], [0], {}
    warmup_batches = batcher.stats["batches"]
    # The attempts are built up front, which a server's never are: keep them out of the collector's scans.
    gc.collect()
    gc.freeze()

    async def client() -> None:
        while cursor[0] < len(attempts):
            attempt = attempts[cursor[0]]
            cursor[0] += 1
            started = time.perf_counter()
            outcome = await batcher.submit(attempt)
            latencies.append(time.perf_counter() - started)
            results[outcome.result] = results.get(outcome.result, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - started
    gc.unfreeze()
    await batcher.close()
    await engine.dispose()
    return {"attempts": args.attempts, "attempts_per_s": round(args.attempts / elapsed), **percentiles(latencies),
            "answers": results, "batches": batcher.stats["batches"] - warmup_batches,
            "largest_batch": batcher.stats["largest"],
            "concurrency": args.concurrency}


async def verify(url: str, world: World, stock: int) -> dict:
    """Units sold, oversold, orders, lost units, and the ledger check, read from the database."""
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        of_sale = Order.flash_sale_id.in_(world.flash_sale_ids)
        orders, units = (await session.execute(select(func.count(), func.coalesce(func.sum(Order.quantity), 0))
                                               .where(of_sale))).one()
        paid = (await session.execute(select(func.count()).where(of_sale, Order.status == "paid"))).scalar_one()
        left = (await session.execute(select(func.sum(FlashSale.units_left))
                                      .where(FlashSale.id.in_(world.flash_sale_ids)))).scalar_one()
        over_limit = 0
        if world and world.buyer_ids:
            per_buyer = await session.execute(select(func.sum(Order.quantity)).where(of_sale)
                                              .group_by(Order.buyer_id, Order.flash_sale_id))  # the limit is per sale
            over_limit = sum(1 for (n,) in per_buyer if n > (world_limit(world) or n))
        report = await check_books(session=session)
    await engine.dispose()
    units = int(units)
    return {"units_sold": units, "orders": orders, "orders_paid": paid, "oversold": max(0, units - stock),
            "lost": stock - units - left, "over_buyer_limit": over_limit, "ledger_balanced": report.ok,
            "ledger_problems": report.problem_count}


def world_limit(world: World) -> int | None:
    return getattr(world, "limit", None)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def over_http(url: str, world: World, args, data_dir: Path) -> tuple[dict, dict, dict | None]:
    """A real `livestall serve`: the trivial endpoint, buy-now (reserving), then paying the won orders
    from the buyers' wallets, all over the same keep-alive connections."""
    from tests.appserver import AppProcess

    # As in production: the tests' strict checking of every event against its schema is off.
    server = AppProcess(database_url=url, data_dir=data_dir, env={"LIVESTALL_LOG_LEVEL": "WARNING",
                                                                 "LIVESTALL_STRICT_EVENTS": ""}).start()
    try:
        auth = [{"Authorization": f"Bearer {world.tokens[i % len(world.tokens)]}"} for i in range(args.attempts)]
        me = [request_bytes("GET", "/api/v1/me", auth[i]) for i in range(args.attempts)]
        bodies = [json.dumps({"product_id": world.product_id, "quantity": 1, "shipping": SHIPPING,
                              **({"variant_id": v} if v else {})}).encode() for v in world.variant_ids or [None]]
        buys = [request_bytes("POST", f"/api/v1/shows/{world.show_id}/buy", {
            **auth[i], "Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"},
            bodies[i % len(bodies)]) for i in range(args.attempts)]
        await run_load("127.0.0.1", server.port, me[:500], args.connections)  # warm up
        trivial = await measured(server, run_load("127.0.0.1", server.port, me, args.connections))
        bought = await measured(server, run_load("127.0.0.1", server.port, buys, args.connections, keep_bodies=True))
        paid = None
        if args.pay:
            won = [(i, json.loads(b)["id"]) for i, b in enumerate(bought["bodies"]) if b.startswith(b'{"id"')]
            pays = [request_bytes("POST", f"/api/v1/orders/{order_id}/pay", {
                **auth[i], "Content-Type": "application/json"}, b'{"provider":"wallet"}') for i, order_id in won]
            paid = await measured(server, run_load("127.0.0.1", server.port, pays, min(args.connections, 64)))
    finally:
        server.stop()
    for result in (trivial, bought, paid):
        if result is not None:
            result.pop("bodies", None)
            result["requests_per_s"] = round(result["requests_per_s"])
    return trivial, bought, paid


async def measured(server, load) -> dict:
    """Run a load and add the server's CPU use over it, in % of one core."""
    cpu = cpu_seconds(server.proc.pid)
    result = await load
    result["cpu_pct_of_core"] = round(100 * (cpu_seconds(server.proc.pid) - cpu) / result["seconds"], 1)
    return result


async def run_database(name: str, url_for, args, tmp: Path) -> dict:
    """Every part on one database, each on fresh data."""
    out: dict = {}
    say(f"{name}: baseline")
    url = await asyncio.to_thread(url_for, "base")
    world = await seed(url, buyers=10, stock=args.stock, per_buyer_limit=None, tag="base", quiesce=True)
    concurrency = 1 if name == "sqlite" else args.baseline_concurrency
    out["baseline"] = await baseline(url, world, args.baseline_attempts or args.attempts, concurrency, args.stock)
    out["baseline"]["oversold"] = max(0, out["baseline"]["units_sold"] - args.stock)

    say(f"{name}: merged path in-process")
    url = await asyncio.to_thread(url_for, "merged")
    world = await seed(url, buyers=args.buyers, stock=args.stock, per_buyer_limit=args.limit, tag="merged",
                       quiesce=True, variants=args.variants)
    world.limit = args.limit
    out["merged"] = {**await merged(url, world, args), **await verify(url, world, args.stock)}

    say(f"{name}: over HTTP (trivial endpoint, then buy-now)")
    url = await asyncio.to_thread(url_for, "http")
    world = await seed(url, buyers=args.buyers, stock=args.stock, per_buyer_limit=args.limit, tag="http",
                       wallet_minor=100_000 if args.pay else 0, quiesce=True, variants=args.variants)
    world.limit = args.limit
    trivial, bought, paid = await over_http(url, world, args, tmp / f"http-{name}")
    out["trivial_endpoint"] = trivial
    out["http"] = {**bought, **await verify(url, world, args.stock)}
    out["http"]["attempts_per_s"] = bought["requests_per_s"]
    if paid is not None:
        out["http_payments"] = {"payments": paid["requests"], "payments_per_s": paid["requests_per_s"],
                                "p50_ms": paid["p50_ms"], "p99_ms": paid["p99_ms"], "statuses": paid["statuses"]}
    return out


def say(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flash_sale", description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=20000)
    parser.add_argument("--stock", type=int, default=1000)
    parser.add_argument("--buyers", type=int, default=5000)
    parser.add_argument("--limit", type=int, default=1, help="per-buyer limit of the flash sale (0 = none)")
    parser.add_argument("--concurrency", type=int, default=2000, help="in-process buyers attempting at once")
    parser.add_argument("--connections", type=int, default=256, help="HTTP keep-alive connections")
    parser.add_argument("--batch", type=int, default=2000, help="largest batch")
    parser.add_argument("--variants", type=int, default=0,
                        help="sell N variants (sizes) of the product, each on its own flash sale sharing the units")
    parser.add_argument("--baseline-attempts", type=int, default=0, help="0 = --attempts")
    parser.add_argument("--baseline-concurrency", type=int, default=32, help="PostgreSQL; SQLite runs 1")
    parser.add_argument("--no-pay", dest="pay", action="store_false",
                        help="leave the won orders reserved (by default they are then paid from the wallets)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--via", choices=("http", "socket"), default="http",
                        help="socket: the rush in a full room, over the room socket and then over HTTP")
    rush = parser.add_argument_group("--via socket")
    rush.add_argument("--viewers", type=int, default=15000, help="sockets in the room, the buyers' among them")
    rush.add_argument("--rush-s", type=float, default=1.0, help="the buyers tap within this many seconds")
    rush.add_argument("--join-rate", type=float, default=1000.0, help="viewers joining per second, before the rush")
    rush.add_argument("--doors", default="socket,http", help="which doors the buyers tap at, in this order")
    rush.add_argument("--client-procs", type=int, default=0, help="viewer client processes; 0 = one per 5,000")
    rush.add_argument("--answer-timeout", type=float, default=60.0, help="seconds to wait for the last answers")
    rush.add_argument("--profile", default="", help="record the server with py-spy from the first tap to the last "
                                                   "answer, into PROFILE-rush-<door>-<database>.txt (collapsed stacks)")
    args = parser.parse_args(argv)
    if args.via == "socket" and args.buyers > args.viewers:
        parser.error("--buyers are among the --viewers: at most as many")
    args.doors = [door.strip() for door in args.doors.split(",") if door.strip()]
    if not args.doors or not set(args.doors) <= {"socket", "http"}:
        parser.error("--doors: a comma-separated list of socket and http")
    args.limit = args.limit or None
    raise_nofile()
    if args.via == "socket":
        each_database(args, "flash-bench-", socket_rush.run_database, socket_rush.print_table, socket_rush.report)
    else:
        each_database(args, "flash-bench-", run_database, print_table, report)


def each_database(args, prefix: str, run, table, document) -> None:
    """Run the bench on each of --databases that can run here, print each table as soon as it is known (a later
    failure keeps it), then all of them, and write the JSON."""
    results: dict = {}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
        for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
            url_for = database_factory(name, tmp, stack)
            if url_for is None:
                say(f"{name}: skipped (server binaries not installed)")
                continue
            results[name] = asyncio.run(run(name, url_for, args, tmp))
            table({name: results[name]}, args)
            sys.stdout.flush()
    table(results, args)
    if args.json:
        args.json.write_text(json.dumps(document(results, args), indent=2) + "\n")


def database_factory(name: str, tmp: Path, stack: ExitStack):
    """A function giving a fresh, migrated database URL per part, or None when it cannot run here."""
    if name == "sqlite":
        def fresh(part: str) -> str:
            url = f"sqlite+aiosqlite:///{tmp / f'{part}.db'}"
            migrate.upgrade(url)
            return url
        return fresh
    from tests.services import create_database, postgres_bin_dir, postgres_server

    if postgres_bin_dir() is None:
        return None
    base = stack.enter_context(postgres_server())

    def fresh_pg(part: str) -> str:
        url = create_database(base, f"flash_{part}_{uuid.uuid4().hex[:6]}")
        migrate.upgrade(url)
        return url
    return fresh_pg


def report(results: dict, args) -> dict:
    """The --json document: parameters, machine, one object per system and database, and the ratios."""
    out: dict = {"benchmark": "flash_sale", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "machine": machine(), "parameters": {
                     "attempts": args.attempts, "stock": args.stock, "buyers": args.buyers,
                     "per_buyer_limit": args.limit, "concurrency": args.concurrency,
                     "connections": args.connections, "max_batch": args.batch, "pay_from_wallet": args.pay}}
    for db, parts in results.items():
        out[f"livestall_{db}"] = parts["http"]
        out[f"livestall_merged_{db}"] = parts["merged"]
        out[f"baseline_{db}"] = parts["baseline"]
        out[f"trivial_endpoint_{db}"] = parts["trivial_endpoint"]
        if "http_payments" in parts:
            out[f"livestall_payments_{db}"] = parts["http_payments"]
        out[f"merged_vs_baseline_{db}"] = round(parts["merged"]["attempts_per_s"]
                                                / parts["baseline"]["attempts_per_s"], 1)
        out[f"http_vs_trivial_pct_{db}"] = round(100 * parts["http"]["requests_per_s"]
                                                 / parts["trivial_endpoint"]["requests_per_s"], 1)
    return out


def print_table(results: dict, args) -> None:
    print(f"flash sale: {args.attempts} attempts, {args.stock} units, {args.buyers} buyers, "
          f"per-buyer limit {args.limit}")
    cols = ["database", "system", "attempts/s", "p50 ms", "p99 ms", "units sold", "oversold", "orders", "ledger ok"]
    rows = []
    for db, parts in results.items():
        for system, key in (("baseline (UPDATE per request)", "baseline"), ("merged, in-process", "merged"),
                            ("trivial GET /me", "trivial_endpoint"), ("buy-now over HTTP", "http")):
            r = parts[key]
            rate = r.get("attempts_per_s", r.get("requests_per_s"))
            rows.append([db, system, f"{rate:,}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}",
                         str(r.get("units_sold", "")), str(r.get("oversold", "")), str(r.get("orders", "")),
                         str(r.get("ledger_balanced", ""))])
    widths = [max(len(c), *(len(row[i]) for row in rows)) if rows else len(c) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    for db, parts in results.items():
        merged_x = parts["merged"]["attempts_per_s"] / parts["baseline"]["attempts_per_s"]
        http_pct = 100 * parts["http"]["requests_per_s"] / parts["trivial_endpoint"]["requests_per_s"]
        print(f"{db}: merged = {merged_x:.1f}x baseline; HTTP buy-now = {http_pct:.0f}% of the trivial endpoint")
        if "http_payments" in parts:
            p = parts["http_payments"]
            print(f"{db}: then {p['payments']} wallet payments over HTTP at {p['payments_per_s']}/s "
                  f"(p50 {p['p50_ms']} ms), statuses {p['statuses']}; the ledger check ran after them")


if __name__ == "__main__":
    main()
