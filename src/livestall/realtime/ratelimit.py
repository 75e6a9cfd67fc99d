"""Rate limits: `limit` hits per `window` seconds per key (GCRA), in memory or shared through Redis."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

log = logging.getLogger("livestall.realtime.ratelimit")

# GCRA (the generic cell rate algorithm) keeps one number per key, the "theoretical arrival
# time": it allows `limit` hits at once, then one every window/limit seconds. So
# limit=5, window=10 means "5 in a burst, then one per 2 s"; slow mode "one message every
# N seconds" is limit=1, window=N.


@dataclass(frozen=True, slots=True)
class RateResult:
    """The answer for one hit: allowed or not, and when to try again."""

    allowed: bool
    remaining: int
    retry_after_s: float


class RateLimiter(Protocol):
    """`hit` records one attempt for `key` if allowed, and says whether it was."""

    async def hit(self, key: str, *, limit: int, window_s: float, cost: int = 1) -> RateResult: ...
    async def reset(self, key: str) -> None: ...


def _gcra(tat: float, now: float, limit: int, window_s: float, cost: int) -> tuple[float | None, RateResult]:
    interval = window_s / limit
    tat = max(tat, now)
    new_tat = tat + interval * cost
    if new_tat - now > window_s + 1e-6:
        return None, RateResult(False, 0, new_tat - window_s - now)
    remaining = int(math.floor((window_s - (new_tat - now)) / interval + 1e-6))
    return new_tat, RateResult(True, remaining, 0.0)


class MemoryRateLimiter:
    """Per-process limits (the embedded default)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self._tat: dict[str, float] = {}

    async def hit(self, key: str, *, limit: int, window_s: float, cost: int = 1) -> RateResult:
        """Record one hit on `key` if it fits `limit` per `window_s`."""
        return self.hit_now(key, limit=limit, window_s=window_s, cost=cost)

    def hit_now(self, key: str, *, limit: int, window_s: float, cost: int = 1) -> RateResult:
        """The same as `hit`, synchronously (the limiter is a dict)."""
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        now = self.clock()
        new_tat, result = _gcra(self._tat.get(key, now), now, limit, window_s, cost)
        if new_tat is not None:
            self._tat[key] = new_tat
        if len(self._tat) > 100_000:  # entries in the past limit nothing: sweep them
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        return result

    async def reset(self, key: str) -> None:
        """Forget `key` (e.g. slow mode switched off)."""
        self._tat.pop(key, None)


# The same in Lua, in whole microseconds: epoch seconds as doubles lose the last digits, and
# Lua's tostring() keeps only 14 of them.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]) * 1000000, tonumber(ARGV[3])
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = math.floor(tat + interval * cost + 0.5)
if new_tat - now > window + 0.5 then
  return {0, 0, string.format('%.6f', (new_tat - window - now) / 1000000)}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, math.floor((window - (new_tat - now)) / interval + 1e-6), '0'}
"""


class RedisRateLimiter:
    """Limits shared by every process (scale-out); Redis's clock is the only clock.

    While Redis is unreachable each process limits on its own (a MemoryRateLimiter), so chat
    keeps working and stays limited, only per process rather than in total.
    """

    def __init__(self, client: Any, *, prefix: str = "livestall:rl") -> None:
        self.client, self.prefix = client, prefix
        self._script = client.register_script(_GCRA)
        self.fallback = MemoryRateLimiter()
        self._degraded = False

    async def hit(self, key: str, *, limit: int, window_s: float, cost: int = 1) -> RateResult:
        """Record one hit on `key` if it fits `limit` per `window_s`, atomically across processes."""
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        try:
            allowed, remaining, retry = await self._script(keys=[f"{self.prefix}:{key}"],
                                                           args=[limit, window_s, cost])
        except (RedisError, OSError) as exc:
            if not self._degraded:
                self._degraded = True
                log.warning("rate limits fall back to this process while Redis is unreachable: %s", exc)
            return self.fallback.hit_now(key, limit=limit, window_s=window_s, cost=cost)
        if self._degraded:
            self._degraded = False
            log.info("rate limits shared through Redis again")
        return RateResult(bool(allowed), int(remaining), float(retry))

    async def reset(self, key: str) -> None:
        """Forget `key`."""
        await self.fallback.reset(key)
        await self.client.delete(f"{self.prefix}:{key}")


class Strikes:
    """Counts refusals per connection; past `limit` within `window_s` the connection is cut."""

    __slots__ = ("limit", "window_s", "_times")

    def __init__(self, limit: int = 10, window_s: float = 10.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._times: list[float] = []

    def add(self) -> bool:
        """Record one refusal; True when the connection has now earned a disconnect."""
        now = time.monotonic()
        self._times = [t for t in self._times if now - t < self.window_s]
        self._times.append(now)
        return len(self._times) > self.limit


class Bucket:
    """One connection's own inbound frame limit (GCRA, no key, no lock: a socket is one task)."""

    __slots__ = ("limit", "window_s", "_tat")

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s, self._tat = limit, window_s, 0.0

    def take(self) -> RateResult:
        """Spend one frame if the budget allows."""
        now = time.monotonic()
        new_tat, result = _gcra(self._tat, now, self.limit, self.window_s, 1)
        if new_tat is not None:
            self._tat = new_tat
        return result
