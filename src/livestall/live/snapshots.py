"""The state every joiner of a show is sent, kept in memory and encoded once per change, not once per joiner.

When a host with a following goes live, thousands of phones open the show within seconds. Each would
otherwise cost the same handful of queries and the same JSON encoding. Here one build serves them all:

- The shared state (what an anonymous viewer sees) is built by one query pass, shared by every joiner
  who comes while it holds, and encoded once (`EncodedState`) until it changes.
- Every event for the show passes `heard()` before any socket gets it. An event a part knows how to
  apply (a chat message, a like total, a question, a sale) updates the kept state in place; any other
  event (a flash sale starting, the show ending), or any event while a build is under way, makes the
  next joiner wait for a fresh build.
- A joiner is already in the room (its frames held) when it asks for the state. A build that began
  after the last unapplied event is therefore complete for it: what comes later reaches it as events.
- `max_age_s` bounds what changes without an event (a product's description): the state is rebuilt
  at least that often while joiners come.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from livestall.events import Event
from livestall.realtime.protocol import EncodedState

Keep = Callable[[dict[str, Any], dict[str, Any]], None]  # applies one event's data to the kept state
MISSING = object()  # a build's answer when the show does not exist (or is cancelled)


class Kept:
    """One show's shared state as last built, with the events applied since, and its encoding."""

    __slots__ = ("state", "version", "built_at", "_encoded", "show_id")

    def __init__(self, show_id: int, state: Any, version: int) -> None:
        self.show_id, self.state, self.version = show_id, state, version
        self.built_at = time.monotonic()
        self._encoded: EncodedState | None = None

    @property
    def missing(self) -> bool:
        return self.state is MISSING

    def encoded(self) -> EncodedState:
        """The state as one encoding for every joiner, made again only after a change."""
        if self._encoded is None:
            self._encoded = EncodedState(self.show_id, self.state)
        return self._encoded

    def apply(self, keep: Keep, data: dict[str, Any]) -> None:
        if not self.missing:
            keep(self.state, data)
            self._encoded = None


class SharedSnapshots:
    """Every show's shared join state on this process; `get` waits for at most one build per show at a time."""

    def __init__(self, build: Callable[[int], Awaitable[Any]], keeps: dict[str, Keep], *,
                 max_age_s: float = 2.0) -> None:
        self._build = build  # show id -> state dict, or MISSING
        self.keeps = keeps
        self.max_age_s = max_age_s
        self._kept: dict[int, Kept] = {}
        self._builds: dict[int, tuple[int, asyncio.Task]] = {}  # show id -> (version, task) under way
        self._versions: dict[int, int] = {}
        self.builds = 0  # how many builds ran (for tests and figures)

    async def get(self, show_id: int) -> Kept:
        """The show's shared state, built no earlier than the last event that could not be applied."""
        version = self._versions.get(show_id, 0)
        kept = self._kept.get(show_id)
        if kept is not None and kept.version == version and time.monotonic() - kept.built_at < self.max_age_s:
            return kept
        build = self._builds.get(show_id)
        if build is None or build[0] != version:
            build = self._builds[show_id] = (version, asyncio.create_task(self._run(show_id, version),
                                                                          name=f"room-snapshot-{show_id}"))
        # Shielded: one joiner giving up (its socket closed) must not cancel the build the others wait for.
        return await asyncio.shield(build[1])

    def heard(self, event: Event) -> None:
        """An event for a show arrived: apply it to what is kept, or mark what is kept as out of date."""
        show_id = event.show_id
        keep = self.keeps.get(event.type)
        kept = self._kept.get(show_id)
        version = self._versions.get(show_id, 0)
        # A build under way may have read the change or not: only a build begun after it is sure to have it.
        if keep is not None and show_id not in self._builds and kept is not None and kept.version == version:
            kept.apply(keep, event.data)
        else:
            self._versions[show_id] = version + 1

    def forget(self, show_id: int) -> None:
        """Drop what is kept for a show whose events no longer arrive on this process."""
        self._kept.pop(show_id, None)
        self._versions[show_id] = self._versions.get(show_id, 0) + 1

    async def _run(self, show_id: int, version: int) -> Kept:
        try:
            state = await self._build(show_id)
            self.builds += 1
            kept = Kept(show_id, state, version)
            current = self._kept.get(show_id)
            if current is None or current.version <= version:
                self._kept[show_id] = kept
            return kept
        finally:
            build = self._builds.get(show_id)
            if build is not None and build[0] == version:
                del self._builds[show_id]
