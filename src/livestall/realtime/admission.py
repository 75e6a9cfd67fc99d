"""The cap on anonymous sockets per client address in one show, on this process or (with Redis) all of them."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from livestall.errors import TooManyRequests
from livestall.realtime.presence_redis import PREFIX, show_keys

log = logging.getLogger("livestall.realtime")

RULE = "anonymous_per_address"

# Per show and address (hashed: Redis holds no addresses), a hash of process -> its anonymous
# sockets from that address. Counts of processes whose presence entry has expired are left
# out, so a process that died holding sockets frees its share without anyone cleaning up. An
# admitting process enters itself in the show's presence at once, should it not be there yet
# (its first presence report may be an interval away), so that the others count its share.
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local total = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local node = all[i]
  if node == ARGV[1] or tonumber(redis.call('HGET', KEYS[2], node) or '0') >= now then
    total = total + tonumber(all[i + 1])
  end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HSETNX', KEYS[2], ARGV[1], now + tonumber(ARGV[4]))
return 1
"""
_RELEASE = """
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
"""


def refusal(limit: int) -> TooManyRequests:
    """The refusal naming the rule, sent as the `error` frame before the socket closes."""
    return TooManyRequests.field("client", RULE, f"at most {limit} anonymous viewers per address may watch a show; "
                                                 "log in to watch from more")


class AddressCap:
    """At most `limit` anonymous sockets from one client address in one show (0: no cap).

    With Redis, the checks of joins that arrive together go out in one pipeline, and the
    releases with them: a burst of joins costs one round trip, not one each.
    """

    def __init__(self, limit: int, node_id: str, redis: Any = None, *, prefix: str = PREFIX, ttl_s: float = 10.0,
                 keep_s: int = 24 * 3600) -> None:
        self.limit, self.node_id, self.redis, self.prefix, self.keep_s = limit, node_id, redis, prefix, keep_s
        self.ttl_ms = int(ttl_s * 1000)  # as the presence entries': the process reports within it
        self._local: dict[tuple[int, str], int] = {}
        self._checks: list[tuple[list[str], asyncio.Future[bool]]] = []
        self._releases: list[list[str]] = []
        self._sender: asyncio.Task[None] | None = None
        if redis is not None:
            self._admit = redis.register_script(_ADMIT)
            self._release = redis.register_script(_RELEASE)

    def _keys(self, show_id: int, address: str) -> list[str]:
        digest = hashlib.sha256(address.encode()).hexdigest()[:24]
        keys = show_keys(show_id, self.prefix)
        return [keys["anon"] + digest, keys["alive"]]

    async def admit(self, show_id: int, address: str) -> tuple[bool, bool]:
        """(admitted, counted in Redis too); without Redis no I/O at all."""
        key = (show_id, address)
        here = self._local.get(key, 0)
        if here >= self.limit:
            return False, False
        self._local[key] = here + 1  # held while Redis answers, so that joins racing here see it
        if self.redis is None:
            return True, False
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._checks.append((self._keys(show_id, address), fut))
        self._send_soon()
        try:
            admitted = await fut
        except Exception as exc:  # Redis down: the cap holds per process meanwhile
            log.debug("anonymous cap check failed: %s", exc)
            return True, False
        if not admitted:
            self._drop_local(key)
        return admitted, admitted

    def release(self, show_id: int, address: str, shared: bool) -> None:
        """An admitted anonymous socket closed (never waits)."""
        self._drop_local((show_id, address))
        if shared:
            self._releases.append(self._keys(show_id, address)[:1])
            self._send_soon()

    def _drop_local(self, key: tuple[int, str]) -> None:
        here = self._local.get(key, 0)
        if here <= 1:
            self._local.pop(key, None)
        else:
            self._local[key] = here - 1

    def _send_soon(self) -> None:
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send(), name="anonymous-cap")

    async def _send(self) -> None:
        while self._checks or self._releases:
            checks, self._checks = self._checks[:500], self._checks[500:]
            releases, self._releases = self._releases[:500], self._releases[500:]
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for keys in releases:  # first, so that a place freed in this round can be taken in it
                        await self._release(keys=keys, args=[self.node_id], client=pipe)
                    for keys, _ in checks:
                        await self._admit(keys=keys, args=[self.node_id, self.limit, self.keep_s, self.ttl_ms],
                                          client=pipe)
                    results = await pipe.execute(raise_on_error=False)
            except Exception as exc:
                results = [exc] * (len(releases) + len(checks))
            for (_, fut), result in zip(checks, results[len(releases):]):
                if fut.done():
                    continue
                if isinstance(result, Exception):
                    fut.set_exception(result)
                else:
                    fut.set_result(bool(result))
