"""Answers about a show that a crowd asks for at once (it, its shelf), built once and sent as the same bytes.

Thousands of phones open a show's shelf within seconds of a link going round. Each answer is kept,
serialized, until an event of the show says it may have changed (a pin, a sale, a flash sale, the
show's state), or for `ttl_s` at most, which bounds what changes without an event (a product edited).
Concurrent misses share one build. Events reach `heard()` from this process's commits and, for shows
with a room open here, from every other process.

A show's own answer (`GET /shows/{id}`) also changes on writes that publish no event: its details, cover
or host edited, an invitation to host it answered. A commit here that wrote the show forgets it
(shows/written.py): the next read, here, is the new one. Other processes keep theirs for `ttl_s` at most.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from livestall.events import Event
from livestall.metrics import SHOW_READS
from livestall.shows.written import watch_shows_written

# The room's busiest events change none of these answers: a chat line must not cost the shelf its cache.
QUIET = frozenset({"chat.message", "chat.deleted", "likes", "viewers", "question.asked", "question.updated",
                   "opening.place", "opening.places.private", "opening.queue", "opening.result"})


class ShowReads:
    """(what, show id, ...) -> serialized answer, until an event of the show or `ttl_s`; keys start with what."""

    def __init__(self, ttl_s: float = 1.0, max_entries: int = 10_000) -> None:
        self.ttl_s, self.max_entries = ttl_s, max_entries
        self._kept: dict[tuple, tuple[bytes, float, tuple[int, int]]] = {}  # key -> (answer, expires, version)
        self._building: dict[tuple, asyncio.Future[bytes]] = {}
        self._versions: dict[int, int] = {}  # show id -> bumped by every event that may change an answer
        self._epoch = 0  # bumped when every show's versions are: forgetting them all, or dropping the table
        watch_shows_written(self)

    def _version(self, show_id: int) -> tuple[int, int]:
        return self._epoch, self._versions.get(show_id, 0)

    async def get(self, show_id: int, key: tuple, build: Callable[[], Awaitable[bytes]]) -> bytes:
        """The kept answer for `key` (about `show_id`), or one `build()` shared by every caller meanwhile."""
        kept = self._kept.get(key)
        version = self._version(show_id)
        if kept is not None and kept[1] > time.monotonic() and kept[2] == version:
            SHOW_READS.labels(key[0], "kept").inc()
            return kept[0]
        pending = self._building.get(key)
        if pending is not None:
            SHOW_READS.labels(key[0], "shared").inc()
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            answer = await build()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # marked as retrieved: waiters, if any, raise it themselves
            raise
        else:
            future.set_result(answer)
            SHOW_READS.labels(key[0], "built").inc()
            if self._version(show_id) == version:  # nothing was heard while it was built
                if len(self._kept) >= self.max_entries:
                    self._kept.clear()
                self._kept[key] = (answer, time.monotonic() + self.ttl_s, version)
            return answer
        finally:
            del self._building[key]

    def heard(self, event: Event) -> None:
        """An event of a show: what was kept of it may be out of date."""
        if event.type not in QUIET:
            self.forget(event.show_id)

    def shows_written(self, show_ids: set[int] | None) -> None:
        """A commit here wrote these shows (None: which ones unknown): their answers may be out of date."""
        for show_id in show_ids if show_ids is not None else (None,):
            self.forget(show_id)

    def forget(self, show_id: int | None) -> None:
        """What was kept of a show (of every show: None) is out of date, and so is any build under way."""
        if show_id is not None:
            self._versions[show_id] = self._versions.get(show_id, 0) + 1
        if show_id is None or len(self._versions) > self.max_entries:
            self._epoch += 1  # builds under way see it too: the versions they started at are gone
            self._versions.clear()
            self._kept.clear()
