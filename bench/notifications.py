"""Go-live fan-out: a show with N followers starts, and the worker writes one notification each.

    python -m bench.notifications --followers 100000 --json notifications.json

For each database (SQLite, and PostgreSQL when its server binaries are installed), on fresh data:
the **baseline** is one bare `INSERT INTO notifications ... SELECT ... FROM follows` of every
follower in a single statement (what a fan-out in the request would cost, with no settings, no
dedup and no restart safety); **livestall** times the show's start (the request's transaction,
which only queues the jobs) and then the chunked, restartable fan-out of the worker, and checks
that every follower got exactly one notification.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bench.fanout import machine
from livestall import migrate
from livestall.accounts.models import User
from livestall.catalog.models import Shop
from livestall.db import make_engine, make_sessionmaker, utcnow
from livestall.notifications.fanout import run_pending_jobs
from livestall.notifications.models import Notification, NotificationJob
from livestall.shows.models import Show
from livestall.shows.service import do_transition


async def seed(url: str, followers: int) -> tuple[int, int]:
    """A host, a shop, a scheduled show, and `followers` users following the host; (host id, show id)."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    async with maker() as session:
        async with session.begin():
            host = User(email="host@bench.test", password_hash="x", display_name="Bench Host")
            shop = Shop(name="Bench Shop", city="Tianshui", country="CN")
            session.add_all([host, shop])
            await session.flush()
            show = Show(shop_id=shop.id, host_id=host.id, created_by_id=host.id, title="Bench show", language="en",
                        market="CN", scheduled_at=utcnow() + timedelta(hours=1))
            session.add(show)
            await session.flush()
            await session.execute(text(
                "INSERT INTO users (email, password_hash, display_name, language, currency, created_at) "
                "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n) "
                "SELECT 'fan' || i || '@bench.test', 'x', 'Fan', 'en', 'CNY', CURRENT_TIMESTAMP FROM g"),
                {"n": followers})
            await session.execute(text(
                "INSERT INTO follows (follower_id, kind, target_id, created_at) "
                "SELECT id, 'host', :h, CURRENT_TIMESTAMP FROM users WHERE email LIKE 'fan%@bench.test'"),
                {"h": host.id})
            ids = host.id, show.id
    await engine.dispose()
    return ids


async def baseline(url: str, host_id: int, show_id: int) -> dict:
    """Every follower's notification in one INSERT ... SELECT, then removed again."""
    engine = make_engine(url)
    started = time.perf_counter()
    async with engine.begin() as conn:
        written = (await conn.execute(text(
            "INSERT INTO notifications (user_id, kind, show_id, data, in_app, created_at) "
            "SELECT follower_id, 'go_live', :s, '{}', true, CURRENT_TIMESTAMP FROM follows "
            "WHERE kind = 'host' AND target_id = :h"), {"s": show_id, "h": host_id})).rowcount
    seconds = time.perf_counter() - started
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM notifications WHERE show_id = :s"), {"s": show_id})
    await engine.dispose()
    return {"notifications": written, "seconds": round(seconds, 2), "notifications_per_s": round(written / seconds)}


async def livestall(url: str, show_id: int, followers: int, chunk: int) -> dict:
    """Start the show as the API does, then run the worker until its jobs are done."""
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    started = time.perf_counter()
    async with maker() as session, session.begin():
        show = await session.get(Show, show_id)
        await do_transition(session=session, show=show, action="start")
    start_ms = (time.perf_counter() - started) * 1000
    began = time.perf_counter()
    while True:
        await run_pending_jobs(maker, chunk=chunk, push=False, email=False, budget=1000)
        async with maker() as session:
            pending = await session.scalar(select(func.count()).select_from(NotificationJob).where(
                NotificationJob.show_id == show_id, NotificationJob.status == "pending"))
        if not pending:
            break
    seconds = time.perf_counter() - began
    async with maker() as session:
        rows, users = (await session.execute(select(func.count(), func.count(Notification.user_id.distinct()))
                                             .where(Notification.show_id == show_id))).one()
    await engine.dispose()
    return {"notifications": rows, "seconds": round(seconds, 2), "notifications_per_s": round(rows / seconds),
            "start_request_ms": round(start_ms, 1), "exactly_once": rows == users == followers,
            "chunks": -(-followers // chunk)}


def databases(stack: ExitStack, want_postgres: bool) -> dict[str, str]:
    found = {"sqlite": f"sqlite+aiosqlite:///{Path(stack.enter_context(tempfile.TemporaryDirectory())) / 'b.db'}"}
    if want_postgres:
        from tests.services import create_database, postgres_bin_dir, postgres_server
        if postgres_bin_dir() is not None:
            found["postgresql"] = create_database(stack.enter_context(postgres_server()), "bench_notifications")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications", description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results: dict[str, dict] = {}
    with ExitStack() as stack:
        for db, url in databases(stack, not args.no_postgres).items():
            migrate.upgrade(url)
            print(f"{db}: seeding {args.followers} followers", file=sys.stderr, flush=True)
            host_id, show_id = asyncio.run(seed(url, args.followers))
            results[f"baseline/{db}"] = {"system": "baseline", "database": db,
                                         **asyncio.run(baseline(url, host_id, show_id))}
            results[f"livestall/{db}"] = {"system": "livestall", "database": db,
                                          **asyncio.run(livestall(url, show_id, args.followers, args.chunk))}
    print(f"go-live fan-out: {args.followers} followers, chunks of {args.chunk}; {machine()}")
    cols = ["system", "database", "notifications", "seconds", "notifications_per_s", "start_request_ms",
            "exactly_once"]
    rows = [[str(r.get(c, "–")) for c in cols] for r in results.values()]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    if args.json:
        args.json.write_text(json.dumps({"followers": args.followers, "chunk": args.chunk, "machine": machine(),
                                         "results": list(results.values())}, indent=2) + "\n")


if __name__ == "__main__":
    main()
