"""Viewer counts per show (concurrent, peak, unique) by the audience rule, in memory or across processes in Redis."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from livestall.events import Event
from livestall.realtime.audience import Audience

log = logging.getLogger("livestall.realtime.presence")

VIEWERS_EVENT = "viewers"


@dataclass(frozen=True, slots=True)
class Counts:
    """Viewers of one show: now, the most at once, and distinct viewers so far."""

    concurrent: int = 0
    peak: int = 0
    unique: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"concurrent": self.concurrent, "peak": self.peak, "unique": self.unique}


@dataclass(slots=True)
class Changes:
    """How one show's viewers on this process changed since its last report."""

    added: set[str] = field(default_factory=set)  # first socket of the viewer here opened
    removed: set[str] = field(default_factory=set)  # last socket of the viewer here closed
    seen: set[str] = field(default_factory=set)  # every viewer that joined here (for `unique`)


@dataclass(slots=True)
class Report:
    """What one process tells the store about one show."""

    local: int  # distinct viewers of the show on this process now
    changes: Changes
    everyone: Callable[[], list[str]]  # this process's viewers now, for a store that lost track of it
    full: bool = False  # send `everyone` instead of the changes (a report failed half-way)
    local_peak: int = 0  # the most distinct viewers here at once since the last report


class PresenceStore(Protocol):
    """Where counts are kept: `report` records this process's view; returns the totals, and whether this
    process speaks for the show in the per-minute samples (one process per show does)."""

    shared: bool

    async def report(self, show_id: int, report: Report) -> tuple[Counts, bool]: ...


class MemoryPresence:
    """Counts for a single process."""

    shared = False

    def __init__(self, keep_s: float = 24 * 3600) -> None:
        self.keep_s = keep_s
        self._shows: dict[int, tuple[int, set[str], float]] = {}

    async def report(self, show_id: int, report: Report) -> tuple[Counts, bool]:
        """Record the show's viewers here now; the totals are this process's."""
        peak, seen, _ = self._shows.get(show_id, (0, set(), 0.0))
        seen.update(report.changes.seen)
        if report.full:
            seen.update(report.everyone())
        now = time.monotonic()
        peak = max(peak, report.local, report.local_peak)  # alone, the peak between reports is known exactly
        self._shows[show_id] = (peak, seen, now)
        if len(self._shows) > 1000:  # forget shows nobody reported on for a day
            for key in [k for k, v in self._shows.items() if now - v[2] > self.keep_s and k != show_id]:
                del self._shows[key]
        return Counts(report.local, peak, len(seen)), True


class PresenceTracker:
    """Keeps each local room's audience, reports it every interval and pushes `viewers` events when totals change."""

    def __init__(self, store: PresenceStore, push: Callable[[Event], None], interval_s: float = 2.0) -> None:
        self.store, self.push, self.interval_s = store, push, interval_s
        self._active: set[int] = set()
        self._audiences: dict[int, Audience] = {}
        self._changes: dict[int, Changes] = {}
        self._peaks: dict[int, int] = {}
        self._last: dict[int, Counts] = {}
        self._leading: set[int] = set()
        self._full: set[int] = set()

    def joined(self, show_id: int, key: str) -> None:
        """A socket of viewer `key` joined the show here (O(1): this is on every join)."""
        self._active.add(show_id)
        audience = self._audiences.get(show_id)
        if audience is None:
            audience = self._audiences[show_id] = Audience()
        changes = self._changes.get(show_id)
        if changes is None:
            changes = self._changes[show_id] = Changes()
        changes.seen.add(key)
        if audience.join(key):
            if len(audience) > self._peaks.get(show_id, 0):
                self._peaks[show_id] = len(audience)
            if key in changes.removed:  # left and came back between two reports: no change to report
                changes.removed.discard(key)
            else:
                changes.added.add(key)

    def left(self, show_id: int, key: str) -> None:
        """A socket of viewer `key` left the show here."""
        audience = self._audiences.get(show_id)
        if audience is None or not audience.leave(key):
            return
        if not audience:
            del self._audiences[show_id]
        changes = self._changes.get(show_id)
        if changes is None:
            changes = self._changes[show_id] = Changes()
        if key in changes.added:
            changes.added.discard(key)
        else:
            changes.removed.add(key)

    def opened(self, show_id: int) -> None:
        """The show's room opened on this process."""
        self._active.add(show_id)

    def local(self, show_id: int) -> int:
        """Distinct viewers of the show on this process now."""
        audience = self._audiences.get(show_id)
        return len(audience) if audience is not None else 0

    def last(self, show_id: int) -> Counts | None:
        """The latest totals known here (up to one interval old); None before the first report."""
        return self._last.get(show_id)

    def sample(self) -> dict[int, int]:
        """Concurrent viewers of the shows this process speaks for, for a per-minute sample.

        With Redis one process per show (the lowest id among those serving it) gives the
        show's total, so that a viewer on two processes is not counted twice.
        """
        out: dict[int, int] = {}
        for show_id, audience in list(self._audiences.items()):
            if not audience:
                continue
            counts = self._last.get(show_id)
            if not self.store.shared or counts is None:  # alone, or not reported yet: what is here
                out[show_id] = len(audience)
            elif show_id in self._leading:
                out[show_id] = counts.concurrent
        return out

    async def run(self) -> None:
        """Report every interval, until cancelled."""
        failing = False
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.report_all()
            except Exception as exc:  # Redis down: counts go stale, the rooms keep working
                if not failing:
                    log.warning("presence reports failing: %s", exc)
                failing = True
            else:
                if failing:
                    log.info("presence reports resumed")
                failing = False

    async def report_all(self) -> None:
        """Report every room that is open here, or closed since the last report (as 0)."""
        for show_id in list(self._active):
            audience = self._audiences.get(show_id)
            changes = self._changes.pop(show_id, None) or Changes()
            local = len(audience) if audience is not None else 0
            report = Report(local, changes, lambda show_id=show_id: list(self._audiences.get(show_id, ())),
                            show_id in self._full, self._peaks.pop(show_id, local))
            try:
                counts, leads = await self.store.report(show_id, report)
            except BaseException:
                # The store may hold part of it: send everyone next time; keep who was seen for `unique`.
                self._full.add(show_id)
                self._changes.setdefault(show_id, Changes()).seen.update(changes.seen)
                raise
            self._full.discard(show_id)
            (self._leading.add if leads else self._leading.discard)(show_id)
            if local == 0:
                # Re-check after the await: a viewer may have joined meanwhile, and must keep
                # the show reported.
                if self.local(show_id) == 0 and show_id not in self._changes:
                    self._active.discard(show_id)
                    self._last.pop(show_id, None)
                    self._leading.discard(show_id)
                continue
            if counts != self._last.get(show_id):
                self._last[show_id] = counts
                self.push(Event(show_id, VIEWERS_EVENT, counts.as_dict()))
