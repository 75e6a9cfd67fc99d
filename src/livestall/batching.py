"""Buffered writers: what the hot path queues in memory is written by one task on a timer, or sooner when woken."""

from __future__ import annotations

import asyncio


class TimedFlusher:
    """Runs `flush()` every `interval_s`, or as soon as `wake()` is called; flushes what is left when stopped."""

    task_name = "flusher"

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def flush(self) -> None:
        """Write what is buffered (each subclass its own rows)."""
        raise NotImplementedError

    def wake(self) -> None:
        """Flush now rather than at the next tick (a buffer is full)."""
        self._wake.set()

    async def run(self) -> None:
        """Flush on a timer until cancelled, then flush what is left."""
        try:
            while True:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)
                except TimeoutError:
                    pass
                self._wake.clear()
                await self.flush()
        finally:
            await asyncio.shield(self.flush())

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
