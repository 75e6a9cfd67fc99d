"""Insights at scale: one day of 60,000 shows with viewer sessions, samples and orders, and the dashboard's queries.

    python -m bench.insights --shows 60000 --viewers 20 --json insights.json

Generates the day (and the same day a year earlier, as already rolled-up shows) into SQLite and PostgreSQL,
rolls the day up, then times every query the operator dashboard and the seller pages run. Target: each
query at most 500 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import insert

from livestall import migrate
from livestall.db import make_engine, make_sessionmaker
from livestall.settings import DEFAULT_FX_PER_USD

MARKETS = ("CN", "US", "ES", "FR", "MX", "SA", "GB", "BR")
LANGUAGES = ("zh", "en", "es", "fr", "ar")
CURRENCIES = ("CNY", "CNY", "CNY", "USD", "EUR")
CHUNK = 10_000


def _rows_day(args, day: date, rng: random.Random, base_ids: dict) -> dict[str, list[dict]]:
    """The generated world: users, shops, products, shows of the day, their sessions, chat, orders and samples."""
    start = datetime.combine(day, dtime(), UTC)
    users = [{"id": i, "email": f"u{i}@bench.example", "password_hash": "x", "display_name": f"User {i}",
              "language": rng.choice(LANGUAGES), "country": rng.choice(MARKETS), "currency": "CNY",
              "created_at": start - timedelta(days=rng.randint(1, 900))} for i in range(1, args.users + 1)]
    hosts = range(1, args.hosts + 1)
    roles = [{"user_id": h, "role": "host"} for h in hosts]
    shops = [{"id": i, "name": f"Shop {i}", "city": "Tianshui", "country": rng.choice(MARKETS),
              "currency": CURRENCIES[i % len(CURRENCIES)], "description": "", "created_at": start - timedelta(days=400)}
             for i in range(1, args.shops + 1)]
    products = [{"id": s["id"], "shop_id": s["id"], "title": "Scarf", "description": "", "category": "clothes",
                 "sku": f"S{s['id']}", "price_minor": 5000 + s["id"] % 20000, "currency": s["currency"], "stock": 10**6,
                 "status": "active", "options": [], "created_at": start, "updated_at": start} for s in shops]
    shows, sessions, chat, orders = [], [], [], []
    order_id = 0
    for i in range(1, args.shows + 1):
        shop = shops[rng.randrange(len(shops))]
        begun = start + timedelta(seconds=rng.randrange(86400 - 7200))
        ended = begun + timedelta(minutes=rng.randint(20, 120))
        shows.append({"id": i, "shop_id": shop["id"], "host_id": rng.choice(hosts), "created_by_id": 1,
                      "title": f"Show {i}", "description": "", "language": rng.choice(LANGUAGES),
                      "market": rng.choice(MARKETS), "category": "clothes", "scheduled_at": begun,
                      "status": "ended", "stream_state": "offline", "started_at": begun, "ended_at": ended,
                      "slow_mode_seconds": 0, "followers_only": False, "peak_viewers": 0, "unique_viewers": 0,
                      "likes": rng.randint(0, 500), "created_at": begun - timedelta(days=1)})
        span = (ended - begun).total_seconds()
        for _ in range(rng.randint(0, 2 * args.viewers)):
            joined = begun + timedelta(seconds=rng.random() * span)
            left = joined + timedelta(seconds=rng.expovariate(1 / 600))
            viewer = rng.randint(1, args.users)
            sessions.append({"id": uuid.uuid4().hex, "show_id": i, "viewer_key": str(viewer), "user_id": viewer,
                             "joined_at": joined, "left_at": min(ended, left)})
        for _ in range(rng.randint(0, 2 * args.chat)):
            chat.append({"id": uuid.uuid4().hex, "show_id": i, "user_id": rng.randint(1, args.users),
                         "display_name": "V", "text": "hello", "created_at": begun + timedelta(seconds=rng.random() * span),
                         "deleted_at": None, "deleted_by_id": None})
        for _ in range(rng.randint(0, 2 * args.orders)):
            order_id += 1
            qty = rng.randint(1, 3)
            price = products[shop["id"] - 1]["price_minor"]
            at = begun + timedelta(seconds=rng.random() * span)
            orders.append({"id": order_id, "ref": f"R{order_id}", "buyer_id": rng.randint(1, args.users),
                           "shop_id": shop["id"], "show_id": i, "product_id": shop["id"], "flash_sale_id": None,
                           "quantity": qty, "option": None, "unit_price_minor": price, "total_minor": qty * price,
                           "currency": shop["currency"], "status": rng.choice(("paid", "paid", "shipped", "reserved")),
                           "shipping": {}, "idempotency_key": f"k{order_id}", "request_hash": "h",
                           "reserved_until": at + timedelta(minutes=15), "payment_provider": "wallet",
                           "tracking_number": None, "created_at": at, "paid_at": at, "shipped_at": None,
                           "delivered_at": None, "closed_at": None})
    samples = [{"at": start + timedelta(minutes=m), "node_id": "bench", "market": mk, "language": lang,
                "viewers": rng.randint(0, 2000), "rooms": rng.randint(0, 100)}
               for m in range(1440) for mk in MARKETS for lang in LANGUAGES]
    base_ids["shows"] = args.shows
    return {"users": users, "user_roles": roles, "shops": shops, "products": products, "shows": shows,
            "viewer_sessions": sessions, "chat_messages": chat, "orders": orders, "viewer_samples": samples}


def _rows_last_year(args, day: date, rng: random.Random, first_id: int) -> dict[str, list[dict]]:
    """The same day a year earlier, already rolled up (shows and their show_metrics rows only)."""
    start = datetime.combine(day, dtime(), UTC)
    shows, metrics = [], []
    for n in range(int(args.shows * 0.7)):
        i = first_id + n
        begun = start + timedelta(seconds=rng.randrange(86400 - 7200))
        ended = begun + timedelta(minutes=rng.randint(20, 120))
        market, lang, shop_id, host_id = rng.choice(MARKETS), rng.choice(LANGUAGES), rng.randint(1, args.shops), \
            rng.randint(1, args.hosts)
        shows.append({"id": i, "shop_id": shop_id, "host_id": host_id, "created_by_id": 1, "title": f"Show {i}",
                      "description": "", "language": lang, "market": market, "category": "clothes",
                      "scheduled_at": begun, "status": "ended", "stream_state": "offline", "started_at": begun,
                      "ended_at": ended, "slow_mode_seconds": 0, "followers_only": False, "peak_viewers": 0,
                      "unique_viewers": 0, "likes": 0, "created_at": begun})
        unique = rng.randint(0, 2 * args.viewers)
        metrics.append({"show_id": i, "shop_id": shop_id, "host_id": host_id, "market": market, "language": lang,
                        "day": day.isoformat(), "started_at": begun, "ended_at": ended, "final": True,
                        "peak_viewers": unique // 2, "unique_viewers": unique, "viewers_10min": unique // 3,
                        "watch_seconds": unique * 300, "chat_messages": 0, "likes": 0, "questions": 0,
                        "orders": 1, "buyers": 1, "units": 1, "gmv_minor": 9900, "currency": "CNY",
                        "gmv_report_minor": 9900, "report_currency": "CNY", "updated_at": ended})
    return {"shows": shows, "show_metrics": metrics}


async def _load(url: str, tables: dict[str, list[dict]]) -> float:
    from livestall import models

    engine = make_engine(url)
    began = time.perf_counter()
    async with engine.begin() as conn:
        pg = (await conn.get_raw_connection()).driver_connection if url.startswith("postgresql") else None
        for name, rows in tables.items():
            if pg is not None and rows:  # COPY: the load is not what is measured, so take the fast road
                columns = list(rows[0])
                records = [tuple(json.dumps(v) if isinstance(v, (dict, list)) else v for v in r.values())
                           for r in rows]
                await pg.copy_records_to_table(name, records=records, columns=columns)
                continue
            table = models.metadata.tables[name]
            for at in range(0, len(rows), CHUNK):
                await conn.execute(insert(table), rows[at:at + CHUNK])
        if url.startswith("postgresql"):
            for name in tables:
                await conn.exec_driver_sql(f"ANALYZE {name}")
            # The ids were given explicitly: move the sequences past them.
            for name in ("users", "shops", "products", "shows", "orders"):
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
    await engine.dispose()
    return time.perf_counter() - began


async def _timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


async def _measure(url: str, args, day: date) -> dict:
    from livestall.insights import dashboard as d
    from livestall.insights.metrics import get_show_metrics
    from livestall.insights.rollup import do_rollup
    from livestall.insights.sellers import get_rollup
    from livestall.insights.window import make_window

    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    fx = dict(DEFAULT_FX_PER_USD)
    began = time.perf_counter()
    async with maker() as session, session.begin():
        rolled = await do_rollup(session=session, report_currency="CNY", fx_per_usd=fx)
    rollup_s = time.perf_counter() - began
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE show_metrics")
    week = make_window(start=None, end=day, today=day)
    one_day = make_window(start=day, end=day, today=day)
    market = make_window(start=None, end=day, market="ES", language="es", today=day)
    now = datetime.combine(day, dtime(20, 0, 30), UTC)
    start_at, end_at = one_day.start_at, one_day.end_at
    queries = {
        "breakdown_by_day_market_language_7d": lambda s: d.list_breakdown(session=s, window=week),
        "breakdown_same_week_last_year": lambda s: d.list_breakdown(session=s, window=week.last_year()),
        "breakdown_one_market_language_7d": lambda s: d.list_breakdown(session=s, window=market),
        "top_shows_7d": lambda s: d.list_top(session=s, window=week, by="shows"),
        "top_hosts_7d": lambda s: d.list_top(session=s, window=week, by="hosts"),
        "top_shops_7d": lambda s: d.list_top(session=s, window=week, by="shops"),
        "concurrent_now": lambda s: d.get_concurrent_now(session=s, window=week, now=now),
        "concurrent_by_hour_1d": lambda s: d.list_concurrent_by_hour(session=s, window=one_day),
        "registered_hosts": lambda s: d.list_registered_hosts(session=s, window=week, until=week.end_at),
        "whole_dashboard_7d": lambda s: d.get_dashboard(session=s, window=week, now=now, report_currency="CNY"),
        "window_totals_festival_1d": lambda s: d.get_window_totals(session=s, start=start_at, end=end_at),
        "window_totals_100_shops": lambda s: d.get_window_totals(session=s, start=start_at, end=end_at,
                                                                 shop_ids=list(range(1, 101))),
        "shop_figures_30d": lambda s: get_rollup(session=s, window=make_window(
            start=None, end=day, today=day, default_days=30), shop_id=7),
        "host_figures_30d": lambda s: get_rollup(session=s, window=make_window(
            start=None, end=day, today=day, default_days=30), host_id=7),
        "one_show_metrics_fresh": lambda s: get_show_metrics(s, show_id=args.shows // 2),
    }
    results = {}
    for name, query in queries.items():
        async def run(query=query):
            async with maker() as session:
                await query(session)
        results[name] = await _timed(run, args.repeat)
    await engine.dispose()
    return {"rollup_s": round(rollup_s, 1), "shows_rolled_up": rolled, "queries": results}


def _databases(names: list[str], stack: ExitStack, tmp: Path) -> dict[str, str]:
    urls = {}
    for name in names:
        if name == "sqlite":
            urls[name] = f"sqlite+aiosqlite:///{tmp / 'insights.db'}"
        elif name == "postgresql":
            from tests.services import (
                create_database,
                postgres_bin_dir,
                postgres_server,
            )

            if postgres_bin_dir() is None:
                print("postgresql: server binaries not installed, skipped")
                continue
            urls[name] = create_database(stack.enter_context(postgres_server()), f"insights_{uuid.uuid4().hex[:6]}")
    return urls


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.insights", description=__doc__.splitlines()[0])
    parser.add_argument("--shows", type=int, default=60_000)
    parser.add_argument("--viewers", type=int, default=20, help="viewer sessions per show, on average")
    parser.add_argument("--chat", type=int, default=3, help="chat messages per show, on average")
    parser.add_argument("--orders", type=int, default=2, help="orders per show, on average")
    parser.add_argument("--shops", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    day = datetime.now(UTC).date() - timedelta(days=1)
    rng = random.Random(11)
    world = _rows_day(args, day, rng, {})
    last_year = _rows_last_year(args, day.replace(year=day.year - 1), rng, args.shows + 1)
    sizes = {name: len(rows) for name, rows in world.items()}
    print("generated:", ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    systems = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        for name, url in _databases(args.databases.split(","), stack, Path(tmp)).items():
            migrate.upgrade(url)
            load_s = asyncio.run(_load(url, {**world, "shows": world["shows"] + last_year["shows"],
                                             "show_metrics": last_year["show_metrics"]}))
            measured = asyncio.run(_measure(url, args, day))
            systems.append({"system": "livestall", "database": name, "load_s": round(load_s, 1), **measured})
            print(f"\n{name}: loaded in {load_s:.1f} s, rolled up {measured['shows_rolled_up']:,} shows in "
                  f"{measured['rollup_s']} s")
            print("| query | p50 ms | max ms |\n| --- | --- | --- |")
            for query, figures in measured["queries"].items():
                print(f"| {query} | {figures['p50_ms']} | {figures['max_ms']} |")
    if args.json:
        doc = {"benchmark": "insights", "day": day.isoformat(), "shows": args.shows, "rows": sizes,
               "last_year_shows": len(last_year["shows"]), "repeat": args.repeat, "target_ms": 500,
               "machine": {"python": platform.python_version(), "platform": platform.platform()}, "systems": systems}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
