"""The hot HTTP calls of a live show against a bare FastAPI app doing the same token lookup, in one run.

    python -m bench.http_api --requests 8000 --connections 200 --databases sqlite,postgresql --json http_api.json

For each database (SQLite, and PostgreSQL when its server binaries are installed), on a fresh database seeded like the flash-sale benchmark (5,000 buyers with login tokens, a live
show, a pinned product with plenty of stock), one real `livestall serve` answers, over keep-alive
connections: `GET /api/v1/me`, the show (`GET /api/v1/shows/{id}`), the shelf
(`GET /api/v1/shows/{id}/pins`) and buy-now (`POST /api/v1/shows/{id}/buy`, every attempt a new order).
The baseline is a bare FastAPI app under the same uvicorn and the same driver (aiosqlite through
SQLAlchemy Core) on the same database: its `GET /me` hashes the Bearer token, reads the login and the
user in one query and returns them as JSON.
Each figure: requests/s, p50/p99 latency and the server's CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from bench.fanout import cpu_seconds, machine, raise_nofile
from bench.flash_sale import SHIPPING, database_factory
from bench.flash_world import seed
from bench.http_load import request_bytes, run_load
from tests.appserver import AppProcess
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[1]


def bare_app(database_url: str):
    """The baseline: FastAPI, one Core query per request for the token's user, JSON out."""
    import hashlib

    from fastapi import FastAPI, Header, HTTPException
    from sqlalchemy import text

    from livestall.db import make_engine

    engine = make_engine(database_url)
    app = FastAPI()
    query = text("SELECT u.id, u.email, u.display_name, u.language, u.currency FROM login_sessions s "
                 "JOIN users u ON u.id = s.user_id WHERE s.token_hash = :h AND s.revoked_at IS NULL")

    @app.get("/me")
    async def me(authorization: str = Header("")):
        token = authorization.removeprefix("Bearer ")
        async with engine.connect() as conn:
            row = (await conn.execute(query, {"h": hashlib.sha256(token.encode()).hexdigest()})).first()
        if row is None:
            raise HTTPException(401)
        return dict(row._mapping)

    return app


def serve_bare(database_url: str, port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app(database_url), host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def measured(pid: int, host: str, port: int, requests: list[bytes], connections: int) -> dict:
    """One load, with the server's CPU over it."""
    cpu = cpu_seconds(pid)
    result = await run_load(host, port, requests, connections)
    used = cpu_seconds(pid) - cpu
    result.pop("bodies", None)
    return {"requests_per_s": round(result["requests_per_s"]), "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
            "cpu_ms_per_request": round(1000 * used / result["requests"], 2), "statuses": result["statuses"]}


async def run(args, url: str, tmp: Path) -> dict:
    world = await seed(url, buyers=5000, stock=10_000_000, per_buyer_limit=None, tag="api", quiesce=True)
    auth = [{"Authorization": f"Bearer {world.tokens[i % len(world.tokens)]}"} for i in range(args.requests)]
    me = [request_bytes("GET", "/api/v1/me", a) for a in auth]
    show = [request_bytes("GET", f"/api/v1/shows/{world.show_id}", {}) for _ in range(args.requests)]
    shelf = [request_bytes("GET", f"/api/v1/shows/{world.show_id}/pins", {}) for _ in range(args.requests)]
    body = json.dumps({"product_id": world.product_id, "quantity": 1, "shipping": SHIPPING}).encode()
    buys = [request_bytes("POST", f"/api/v1/shows/{world.show_id}/buy", {
        **a, "Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"}, body) for a in auth]
    out: dict = {}

    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    bare = subprocess.Popen([sys.executable, "-c", f"from bench.http_api import serve_bare; "
                             f"serve_bare({url!r}, {port})"], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                await run_load("127.0.0.1", port, me[:10], 1)
                break
            except OSError:
                assert time.monotonic() < deadline, "the bare app did not start"
                await asyncio.sleep(0.2)
        bare_me = [request_bytes("GET", "/me", a) for a in auth]
        await run_load("127.0.0.1", port, bare_me[:500], args.connections)  # warm up
        out["bare /me"] = await measured(bare.pid, "127.0.0.1", port, bare_me, args.connections)
    finally:
        bare.terminate()
        bare.wait()

    server = AppProcess(database_url=url, data_dir=tmp / "data", env={
        "LIVESTALL_LOG_LEVEL": "WARNING", "LIVESTALL_STRICT_EVENTS": "", "LIVESTALL_RTMP_ENABLED": "false"}).start()
    try:
        pid = server.proc.pid
        await run_load("127.0.0.1", server.port, me[:500], args.connections)  # warm up
        out["livestall /me"] = await measured(pid, "127.0.0.1", server.port, me, args.connections)
        out["livestall show"] = await measured(pid, "127.0.0.1", server.port, show, args.connections)
        out["livestall shelf"] = await measured(pid, "127.0.0.1", server.port, shelf, args.connections)
        out["livestall buy-now"] = await measured(pid, "127.0.0.1", server.port, buys, args.connections)
    finally:
        server.stop()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=8000, help="requests per call measured")
    parser.add_argument("--connections", type=int, default=200, help="keep-alive connections")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    raise_nofile()
    results: dict = {}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="http-api-")))
        for name in [d.strip() for d in args.databases.split(",") if d.strip()]:
            url_for = database_factory(name, tmp, stack)
            if url_for is None:
                print(f"{name}: skipped (server binaries not installed)")
                continue
            results[name] = asyncio.run(run(args, url_for("api"), tmp / name))
    print(f"http api: {args.requests} requests per call over {args.connections} connections; {machine()}")
    print(f"{'database':10} {'call':20} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11}  statuses")
    for database, calls in results.items():
        for name, r in calls.items():
            print(f"{database:10} {name:20} {r['requests_per_s']:>7} {r['p50_ms']:>8} {r['p99_ms']:>8} "
                  f"{r['cpu_ms_per_request']:>11}  {r['statuses']}")
        bare, mine = calls["bare /me"]["requests_per_s"], calls["livestall /me"]["requests_per_s"]
        buy = calls["livestall buy-now"]["requests_per_s"]
        print(f"{database}: livestall /me = {mine / bare:.0%} of the bare app's; buy-now = {buy / mine:.0%} of "
              f"livestall /me")
    if args.json:
        args.json.write_text(json.dumps({"benchmark": "http_api", "machine": machine(), "parameters": vars(args) | {
            "json": str(args.json)}, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
