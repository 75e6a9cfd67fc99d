"""The SQLite engine: a savepoint that reads, then writes, waits for another writer instead of failing."""

import asyncio
import sqlite3

from sqlalchemy import text

from livestall.db import make_engine


def test_savepoint_writes_after_another_connection_committed(tmp_path):
    asyncio.run(_savepoint_then_write(tmp_path / "shop.db"))


async def _savepoint_then_write(path):
    """Read in a savepoint, let another connection try to write, then write."""
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE payouts (booking INTEGER UNIQUE)"))
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # a request reads first, outside any transaction
            async with conn.begin_nested():  # as the form handlers do: all of the changes, or none
                await conn.execute(text("SELECT count(*) FROM payouts"))
                other = sqlite3.connect(path, timeout=0.2)  # e.g. a background job's writer
                try:
                    other.execute("INSERT INTO payouts VALUES (1)")
                    other.commit()
                    wrote_between = True
                except sqlite3.OperationalError:  # held off: the savepoint holds the write lock
                    wrote_between = False
                finally:
                    other.close()
                await conn.execute(text("INSERT INTO payouts VALUES (2)"))
            await conn.commit()
            rows = (await conn.execute(text("SELECT booking FROM payouts ORDER BY booking"))).scalars().all()
        assert not wrote_between and rows == [2]
    finally:
        await engine.dispose()
