"""Keep Python's full garbage collections short while thousands of room sockets are open."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger("livestall.realtime.heap")

THRESHOLDS = (7000, 10, 100)  # the collector's, once the start-up heap is frozen (see freeze_startup)
LONGEST_STORM_S = 30.0  # the collector waits out a storm of taps, but no longer than this


class HeapKeeper:
    """Freezes the heap as the audience grows, so that full collections skip the open sockets.

    Each open socket keeps about 90 long-lived objects (connection, protocol, tasks, buffers).
    CPython's full collection walks every tracked object: at 15,000 viewers that stalled the
    event loop for up to 1.2 s, and every viewer's frames with it. `gc.freeze()` moves what
    exists now out of the collector's sight (O(1)); later collections only walk what came
    after. Objects that die while frozen are still freed by reference counting; only
    reference cycles wait (about 20 objects per closed socket), so once the audience has
    shrunk to a quarter the heap is unfrozen, collected in one go (mostly garbage by then, and a
    quarter of the live objects) and frozen again.

    The process's own start-up heap (the web stack, the ORM, the models: about 300,000 objects)
    is frozen once at the start: before, the first full collection under a crowd arriving
    walked it all and stalled the loop for about 250 ms.
    """

    def __init__(self, connections: Callable[[], int], *, interval_s: float = 1.0, min_connections: int = 500,
                 growth: float = 0.1) -> None:
        self.connections = connections
        self.interval_s, self.min_connections, self.growth = interval_s, min_connections, growth
        self.frozen_at = 0  # connections open at the last freeze; 0 = not frozen
        self.storm_since: float | None = None  # monotonic time the storm of taps began; None = calm

    async def run(self) -> None:
        """Freeze the start-up heap, then check every interval, until cancelled."""
        self.freeze_startup()
        try:
            while True:
                await asyncio.sleep(self.interval_s)
                self.check()
        finally:
            self.storm(False)  # never leave the process without its collector

    def storm(self, on: bool) -> None:
        """A storm of taps began (thousands of bids a second) or ended: the collector waits for its end.

        In a bid storm nearly everything allocated lives until its tick (the frame, its bid, its future), so
        each young collection walks thousands of live objects and finds almost no garbage: about a tenth of
        the process's time at the peak, and a middle collection of 60-160 ms now and then, while every answer
        waits. Reference counting still frees what the storm drops. At its end, what it allocated is frozen
        (O(1)) rather than walked in one long young collection while the last answers wait; the few cycles it
        left are freed with the audience's, when the heap is next unfrozen.
        """
        if on and self.storm_since is None:
            self.storm_since = time.monotonic()
            gc.disable()
        elif not on and self.storm_since is not None:
            self.storm_since = None
            self._collect_again()

    def _collect_again(self) -> None:
        gc.freeze()
        gc.enable()

    def freeze_startup(self) -> None:
        """Collect once and freeze what the process is made of, before any audience comes; then make full
        collections rare."""
        gc.collect()
        gc.freeze()
        # In a bid storm before 15,000 viewers, each socket's waiting futures and timers live for seconds, past
        # the young generations, and the default thresholds (700, 10, 10) ran a full collection every second or
        # so, each walking 300,000-400,000 of them in 270-330 ms while every answer waited. Young collections
        # every 7,000 allocations, and a full one considered every 100 of the middle ones, halved the time the
        # collector took over such a storm and left no full collection inside it.
        gc.set_threshold(*THRESHOLDS)

    def check(self) -> None:
        """Freeze after the audience grew by `growth`; unfreeze and collect once it is down to a quarter."""
        lasted = self.storm_since is not None and time.monotonic() - self.storm_since > LONGEST_STORM_S
        if lasted and not gc.isenabled():
            self._collect_again()  # a storm that lasts: from now on its cycles are collected as they come
        n = self.connections()
        if n >= self.min_connections and n >= self.frozen_at * (1 + self.growth):
            gc.collect(1)  # the young generations only: cheap, and keeps fresh garbage out of the freeze
            gc.freeze()
            self.frozen_at = n
            log.debug("heap frozen", extra={"connections": n, "frozen": gc.get_freeze_count()})
        elif self.frozen_at and n < self.frozen_at / 4:
            # One full collection frees the cycles the departed sockets left in the frozen
            # part (a pause, but of a small heap); the next check freezes afresh.
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.frozen_at = 0
            log.debug("heap unfrozen, collected and frozen again", extra={"connections": n})
