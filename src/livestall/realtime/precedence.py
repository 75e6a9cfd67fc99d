"""Writers that fan-out lets finish first: a merged writer's transaction (a tick of bids) runs between two chunks of a
room's frame, never across many.

A transaction makes many round trips to the database, and each one's answer waits its turn on the event loop. While
a round writes a frame to 15,000 sockets in chunks, every such turn came after one chunk: a tick of 30 statements
waited out the whole round (a quarter of a second in an auction's last seconds), and with it every bid it held and,
on SQLite, every other write behind its lock. So the round waits, chunk by chunk, while such a transaction is open,
and one chunk goes out between two of them; the room's frame goes out later, the tappers' answers do not."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class Precedence:
    """Counts the writers in a transaction that fan-out waits for, and wakes it when the last one is done."""

    def __init__(self) -> None:
        self.open = 0
        self._clear: list[asyncio.Future] = []

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Around a merged writer's transaction: fan-out's next chunk waits until it is over."""
        self.open += 1
        try:
            yield
        finally:
            self.open -= 1
            if not self.open:
                waiters, self._clear = self._clear, []
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)

    async def wait_clear(self, longest_s: float) -> None:
        """Return once no writer is in a transaction, or after `longest_s`: fan-out is never starved."""
        if not self.open:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._clear.append(waiter)
        try:
            await asyncio.wait_for(waiter, longest_s)
        except TimeoutError:
            # Given up on: writers that never pause must not pile these up (a release may have taken it already).
            with contextlib.suppress(ValueError):
                self._clear.remove(waiter)
