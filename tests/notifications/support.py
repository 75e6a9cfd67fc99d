"""Bulk setups for notification tests: many users and follows written with SQL, not through the API."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy import text

from livestall.db import make_engine


def bulk_followers(database_url: str, kind: str, target_id: int, count: int) -> list[int]:
    """`count` new users following a host or shop, written in a few multi-row INSERTs; their ids."""
    tag = uuid.uuid4().hex[:8]

    async def run() -> list[int]:
        engine = make_engine(database_url)
        try:
            async with engine.begin() as conn:
                users = [{"email": f"f{i}-{tag}@example.com", "name": f"Fan {i}"} for i in range(count)]
                await conn.execute(text(
                    "INSERT INTO users (email, password_hash, display_name, language, currency, created_at) "
                    "VALUES (:email, 'x', :name, 'en', 'CNY', CURRENT_TIMESTAMP)"), users)
                ids = [r[0] for r in await conn.execute(
                    text("SELECT id FROM users WHERE email LIKE :p ORDER BY id"), {"p": f"%-{tag}@example.com"})]
                await conn.execute(text(
                    "INSERT INTO follows (follower_id, kind, target_id, created_at) "
                    "VALUES (:u, :k, :t, CURRENT_TIMESTAMP)"), [{"u": u, "k": kind, "t": target_id} for u in ids])
                return ids
        finally:
            await engine.dispose()

    return asyncio.run(run())


def wait_until(check, timeout: float = 30.0, interval: float = 0.1):
    """Poll `check()` until it returns something truthy; that value (or the last one, on timeout)."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = check()
    return value


def own_database(request, tmp_path_factory, name: str) -> str:
    """A database of its own for an app with its own settings, on the suite's engine (SQLite or PostgreSQL).

    Sharing the suite's database would let the session server's workers, with other settings, pick up this
    app's jobs and deliveries."""
    import os

    from livestall import migrate
    from tests.services import create_database

    if os.environ.get("LIVESTALL_TEST_DATABASE_URL", "").startswith("postgresql") or \
            os.environ.get("LIVESTALL_TEST_DATABASE") == "postgresql":
        url = create_database(request.getfixturevalue("postgres_url"), f"{name}_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp(name) / 'livestall.db'}"
    migrate.upgrade(url)
    return url
