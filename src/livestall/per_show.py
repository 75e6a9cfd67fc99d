"""A value per show read at most once a second: what nearly every joiner of a show would otherwise ask the database."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerShowMemo(Generic[T]):
    """Show id -> a value and until when it stands; `get` reads it afresh once that has passed."""

    def __init__(self, ttl_s: float = 1.0, max_shows: int = 10_000) -> None:
        self.ttl_s, self.max_shows = ttl_s, max_shows
        self._kept: dict[int, tuple[float, T]] = {}

    async def get(self, show_id: int, read: Callable[[], Awaitable[T]]) -> T:
        """The show's value, from `read()` when none was read in the last `ttl_s`."""
        now = time.monotonic()
        kept = self._kept.get(show_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = await read()
        if len(self._kept) >= self.max_shows:  # many shows at once: start afresh, never grow unbounded
            self._kept.clear()
        self._kept[show_id] = (now + self.ttl_s, value)
        return value
