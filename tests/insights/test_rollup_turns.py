"""Several processes on one PostgreSQL database take turns at the insights rollup instead of writing the
same show's metrics at once."""

from __future__ import annotations

import asyncio
import uuid

from livestall import migrate
from livestall.db import make_engine, make_sessionmaker
from livestall.insights.jobs import rollup_once, take_rollup_turn
from livestall.settings import Settings
from tests.services import create_database


def test_one_process_at_a_time_rolls_up(postgres_url):
    url = create_database(postgres_url, f"turns_{uuid.uuid4().hex[:8]}")
    migrate.upgrade(url)

    async def scenario():
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        try:
            async with sessions() as first, first.begin():
                assert await take_rollup_turn(first, wait=False)
                async with sessions() as second, second.begin():
                    assert not await take_rollup_turn(second, wait=False)  # the other process skips this pass
                waiting = asyncio.create_task(rollup_once(sessions, Settings(), wait=True))  # an operator's refresh waits
                await asyncio.sleep(0.3)
                assert not waiting.done()
            assert await asyncio.wait_for(waiting, 10) == 0  # then runs (no show to roll up here)
            async with sessions() as later, later.begin():
                assert await take_rollup_turn(later, wait=False)  # the turn ends with its transaction
        finally:
            await engine.dispose()

    asyncio.run(scenario())
