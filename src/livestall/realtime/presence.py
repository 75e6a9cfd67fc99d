"""Viewer counts per show (concurrent, peak, unique), in memory or summed across processes in Redis."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from livestall.events import Event

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


class PresenceStore(Protocol):
    """Where counts are kept: `report` records this process's view and returns the totals."""

    async def report(self, show_id: int, local: int, members: Iterable[str]) -> Counts: ...
    async def counts(self, show_id: int) -> Counts: ...


class MemoryPresence:
    """Counts for a single process."""

    def __init__(self, keep_s: float = 24 * 3600) -> None:
        self.keep_s = keep_s
        self._shows: dict[int, tuple[int, int, set[str], float]] = {}

    async def report(self, show_id: int, local: int, members: Iterable[str]) -> Counts:
        """Record `local` viewers now and the `members` seen since the last report."""
        _, peak, seen, _ = self._shows.get(show_id, (0, 0, set(), 0.0))
        seen.update(members)
        now = time.monotonic()
        self._shows[show_id] = (local, max(peak, local), seen, now)
        if len(self._shows) > 1000:  # forget shows nobody reported on for a day
            for key in [k for k, v in self._shows.items() if v[0] == 0 and now - v[3] > self.keep_s]:
                del self._shows[key]
        return await self.counts(show_id)

    async def counts(self, show_id: int) -> Counts:
        """The show's counts as last reported."""
        local, peak, seen, _ = self._shows.get(show_id, (0, 0, set(), 0.0))
        return Counts(local, peak, len(seen))


# Each process keeps "count:expiry_ms" in one hash field per show; a dead process's field
# expires on its own. Peak is a max kept by the same script; unique is a HyperLogLog
# (0.81% standard error, exact enough for "100 viewers in 10 minutes").
_REPORT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local count = tonumber(ARGV[2])
if count > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. (now + tonumber(ARGV[3])))
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local total = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local v = all[i + 1]
  local sep = string.find(v, ':', 1, true)
  if tonumber(string.sub(v, sep + 1)) < now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    total = total + tonumber(string.sub(v, 1, sep - 1))
  end
end
local peak = tonumber(redis.call('GET', KEYS[2]) or '0')
if total > peak then
  peak = total
  redis.call('SET', KEYS[2], peak)
end
if #ARGV > 4 then
  redis.call('PFADD', KEYS[3], unpack(ARGV, 5))
end
local unique = redis.call('PFCOUNT', KEYS[3])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return {total, peak, unique}
"""


class RedisPresence:
    """Counts summed over every process serving the show, kept in Redis."""

    def __init__(self, client: Any, node_id: str, *, prefix: str = "livestall:presence", ttl_s: float = 10.0,
                 keep_s: int = 7 * 24 * 3600) -> None:
        self.client, self.node_id, self.prefix = client, node_id, prefix
        self.ttl_ms, self.keep_s = int(ttl_s * 1000), keep_s
        self._script = client.register_script(_REPORT)

    def _keys(self, show_id: int) -> list[str]:
        base = f"{self.prefix}:{{{show_id}}}"  # one hash slot per show, should Redis be a cluster
        return [f"{base}:nodes", f"{base}:peak", f"{base}:unique"]

    async def report(self, show_id: int, local: int, members: Iterable[str]) -> Counts:
        """Record this process's `local` viewers and new `members`; return the totals."""
        members = list(members)
        keys = self._keys(show_id)
        head = [self.node_id, local, self.ttl_ms, self.keep_s]
        # Lua's unpack() has a stack limit: hand the members over in slices.
        for start in range(1000, len(members), 1000):
            await self.client.pfadd(keys[2], *members[start:start + 1000])
        total, peak, unique = await self._script(keys=keys, args=head + members[:1000])
        return Counts(int(total), int(peak), int(unique))

    async def counts(self, show_id: int) -> Counts:
        """The totals as of the last reports of all processes."""
        nodes, peak, unique = self._keys(show_id)
        now_ms = int(time.time() * 1000)
        fields = await self.client.hgetall(nodes)
        total = 0
        for value in fields.values():
            count, _, expiry = (value.decode() if isinstance(value, bytes) else value).partition(":")
            if int(expiry) >= now_ms:
                total += int(count)
        return Counts(total, int(await self.client.get(peak) or 0), int(await self.client.pfcount(unique)))


class PresenceTracker:
    """Reports each local room's count every interval and pushes `viewers` events when totals change."""

    def __init__(self, store: PresenceStore, local_count: Callable[[int], int], push: Callable[[Event], None],
                 interval_s: float = 2.0) -> None:
        self.store, self.local_count, self.push, self.interval_s = store, local_count, push, interval_s
        self._active: set[int] = set()
        self._members: dict[int, set[str]] = {}
        self._last: dict[int, Counts] = {}

    def joined(self, show_id: int, member: str) -> None:
        """A viewer (principal id, or an anonymous connection id) joined the show here."""
        self._active.add(show_id)
        self._members.setdefault(show_id, set()).add(member)

    def opened(self, show_id: int) -> None:
        """The show's room opened on this process."""
        self._active.add(show_id)

    def last(self, show_id: int) -> Counts | None:
        """The latest totals known here (up to one interval old); None before the first report."""
        return self._last.get(show_id)

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
            local = self.local_count(show_id)
            members = self._members.pop(show_id, set())
            try:
                counts = await self.store.report(show_id, local, members)
            except BaseException:
                self._members.setdefault(show_id, set()).update(members)  # keep them for next time
                raise
            if local == 0:
                # Re-check after the await: a viewer may have joined meanwhile, and must keep
                # the show reported.
                if self.local_count(show_id) == 0 and not self._members.get(show_id):
                    self._active.discard(show_id)
                    self._last.pop(show_id, None)
                continue
            if counts != self._last.get(show_id):
                self._last[show_id] = counts
                self.push(Event(show_id, VIEWERS_EVENT, counts.as_dict()))
