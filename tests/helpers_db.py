"""Helpers that reach into the database directly, for setups the public API does not offer."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import text

from livestall.db import make_engine, make_sessionmaker
from tests.helpers import Actor, register


def run_sql(database_url: str, sql: str, **params) -> list[tuple]:
    """Run one SQL statement on the test database and return its rows (if any)."""

    async def run() -> list[tuple]:
        engine = make_engine(database_url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(sql), params)
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run())
    # Called while a loop runs in this thread (Playwright's sync API keeps one): run it in a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def make_operator(api: httpx.Client, database_url: str) -> Actor:
    """A user given the operator role the way `livestall create-admin` does: outside the API."""
    actor = register(api)
    run_sql(database_url, "INSERT INTO user_roles (user_id, role) VALUES (:uid, 'operator')", uid=actor.id)
    actor.roles = sorted([*actor.roles, "operator"])
    return actor


def replay_chapters(database_url: str, show_id: int, start) -> list[dict]:
    """The show's replay chapters as its replay page lists them, positioned in seconds from `start`."""
    from livestall.openings.chapters import list_replay_chapters

    async def run():
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await list_replay_chapters(session=session, show_id=show_id,
                                                  position_of=lambda at: (at - start).total_seconds())
        finally:
            await engine.dispose()
    return asyncio.run(run())
