"""Viewer sessions and samples, recorded off the room's hot path: a join or a leave only touches memory."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall import metrics
from livestall.batching import TimedFlusher
from livestall.db import utcnow
from livestall.insights.models import ViewerSample, ViewerSession
from livestall.shows.models import Show

log = logging.getLogger("livestall.insights")

SAMPLE_INTERVAL_S = 60


def new_session_id() -> str:
    """A time-ordered unique id, made in memory so that the row can be written later."""
    return f"{time.time_ns():016x}{os.urandom(6).hex()}"


class SessionRecorder(TimedFlusher):
    """Buffers viewer joins (new rows) and leaves (their end times) and writes them together on a timer."""

    task_name = "insights-sessions"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, interval_s: float = 1.0,
                 max_batch: int = 5000) -> None:
        super().__init__(interval_s)
        self.sessionmaker = sessionmaker
        self.max_batch = max_batch
        self.joins: dict[str, dict] = {}  # session id -> row not yet written
        self.leaves: dict[str, datetime] = {}  # session id (already written) -> left_at
        self.open: dict[tuple[int, int], str] = {}  # (show id, connection id) -> session id

    def joined(self, show_id: int, conn) -> None:
        """A viewer's socket joined a show's room (never blocks)."""
        session_id = new_session_id()
        self.open[(show_id, conn.id)] = session_id
        self.joins[session_id] = {"id": session_id, "show_id": show_id, "viewer_key": conn.viewer_key[:64],
                                  "user_id": int(conn.user_id) if conn.user_id and conn.user_id.isdigit() else None,
                                  "joined_at": utcnow(), "left_at": None}
        self._maybe_wake()

    def left(self, show_id: int, conn) -> None:
        """The viewer's socket left the room (never blocks)."""
        session_id = self.open.pop((show_id, conn.id), None)
        if session_id is None:
            return
        row = self.joins.get(session_id)
        if row is not None:  # not written yet: one insert will carry both ends
            row["left_at"] = utcnow()
        else:
            self.leaves[session_id] = utcnow()
        self._maybe_wake()

    def close_all(self) -> None:
        """Every open stay ends now (the process is stopping)."""
        now = utcnow()
        for session_id in self.open.values():
            row = self.joins.get(session_id)
            if row is not None:
                row["left_at"] = now
            else:
                self.leaves[session_id] = now
        self.open.clear()

    def _maybe_wake(self) -> None:
        if len(self.joins) + len(self.leaves) >= self.max_batch:
            self.wake()

    async def flush(self) -> None:
        """Write the queued joins, then the queued leaves, in one transaction."""
        if not self.joins and not self.leaves:
            return
        joins, self.joins = list(self.joins.values()), {}
        leaves, self.leaves = self.leaves, {}
        try:
            async with self.sessionmaker() as session, session.begin():
                if joins:
                    await session.execute(insert(ViewerSession), joins)
                if leaves:
                    table = ViewerSession.__table__
                    stmt = update(table).where(table.c.id == bindparam("sid")).values(left_at=bindparam("left"))
                    conn = await session.connection()
                    await conn.execute(stmt, [{"sid": k, "left": v} for k, v in leaves.items()])
        except Exception:
            log.exception("viewer sessions batch failed; keeping it for the next round",
                          extra={"joins": len(joins), "leaves": len(leaves)})
            for row in joins:
                self.joins.setdefault(row["id"], row)
            for key, value in leaves.items():
                self.leaves.setdefault(key, value)


def bucket(now: datetime, interval_s: int = SAMPLE_INTERVAL_S) -> datetime:
    """`now` rounded down to the sampling interval, so that every process samples the same moments."""
    epoch = int(now.timestamp()) // interval_s * interval_s
    return datetime.fromtimestamp(epoch, UTC)


class Sampler:
    """Writes how many viewers this process's rooms hold, per market and language, once per interval.

    Viewers are counted by the room's rule (realtime/audience.py); with Redis each show is
    sampled by one process only, with its total over all of them.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], gateway, *,
                 interval_s: int = SAMPLE_INTERVAL_S) -> None:
        self.sessionmaker, self.gateway, self.interval_s = sessionmaker, gateway, interval_s

    async def sample(self, now: datetime | None = None) -> int:
        """Write one sample of this process's live rooms (replacing one taken at the same moment); total viewers."""
        at = bucket(now or utcnow(), self.interval_s)
        counts = self.gateway.viewer_sample()
        groups: dict[tuple[str, str], list[int]] = {}
        async with self.sessionmaker() as session, session.begin():
            if counts:  # only live shows: a room of an ended show may still hold a few sockets
                rows = await session.execute(select(Show.id, Show.market, Show.language)
                                             .where(Show.id.in_(list(counts)), Show.status == "live"))
                for show_id, market, language in rows:
                    groups.setdefault((market, language), []).append(counts[show_id])
            await session.execute(delete(ViewerSample).where(ViewerSample.at == at,
                                                             ViewerSample.node_id == self.gateway.node_id))
            # An idle process still writes a row (no market, no viewers): "now" is then this moment, not an older one.
            rows = [{"at": at, "node_id": self.gateway.node_id, "market": m, "language": lang, "viewers": sum(ns),
                     "rooms": len(ns)} for (m, lang), ns in (groups or {("", ""): []}).items()]
            await session.execute(insert(ViewerSample), rows)
        return sum(sum(ns) for ns in groups.values())

    async def run(self) -> None:
        """Sample once per interval until cancelled."""
        while True:
            await asyncio.sleep(self.interval_s - time.time() % self.interval_s + 1)
            try:
                with metrics.job_pass("insights-sampler"):
                    await self.sample()
            except Exception:
                log.exception("viewer sample failed")
