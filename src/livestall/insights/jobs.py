"""The insights service of a process: records viewer sessions from the room, samples viewers, rolls up metrics."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall import metrics
from livestall.insights.recorder import Sampler, SessionRecorder
from livestall.insights.rollup import do_rollup

log = logging.getLogger("livestall.insights")

ROLLUP_INTERVAL_S = 60


@dataclass
class InsightsRuntime:
    """What the routes reach: the session recorder and the sampler of this process."""

    recorder: SessionRecorder
    sampler: Sampler | None

    async def refresh(self) -> int:
        """Write what is buffered and take a sample now; returns the viewers sampled."""
        await self.recorder.flush()
        return await self.sampler.sample() if self.sampler is not None else 0


ROLLUP_LOCK = 0x4C53_524F  # the advisory lock that gives one process at a time its rollup turn


async def take_rollup_turn(session: AsyncSession, *, wait: bool) -> bool:
    """On PostgreSQL, processes on one database roll up one at a time (else two would write the same
    show's metrics at once): True when this transaction has the turn. SQLite has one writer anyway."""
    if session.bind.dialect.name != "postgresql":
        return True
    if wait:
        await session.execute(select(func.pg_advisory_xact_lock(ROLLUP_LOCK)))
        return True
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(ROLLUP_LOCK))))


async def rollup_once(sessionmaker, settings, *, wait: bool = False) -> int:
    """One rollup pass in its own transaction; skipped (0) while another process has the turn,
    unless `wait`."""
    async with sessionmaker() as session, session.begin():
        if not await take_rollup_turn(session, wait=wait):
            return 0
        return await do_rollup(session=session, report_currency=settings.default_currency,
                               fx_per_usd=settings.fx_per_usd)


async def _rollup_forever(sessionmaker, settings) -> None:
    while True:
        await asyncio.sleep(ROLLUP_INTERVAL_S)
        try:
            with metrics.job_pass("insights-rollup"):
                await rollup_once(sessionmaker, settings)
        except Exception:  # a busy database: next pass
            log.exception("insights rollup failed")


@asynccontextmanager
async def insights(sessionmaker, settings, recorder: SessionRecorder, gateway):
    """Write the rooms' viewer stays (the room's recording part feeds `recorder`), sample viewers and roll up
    metrics while the process runs."""
    sampler = Sampler(sessionmaker, gateway)
    recorder.start()
    tasks = [asyncio.create_task(_rollup_forever(sessionmaker, settings), name="insights-rollup"),
             asyncio.create_task(sampler.run(), name="insights-sampler")]
    try:
        yield InsightsRuntime(recorder, sampler)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        recorder.close_all()  # the rooms close after this service: their viewers leave now
        await recorder.stop()
