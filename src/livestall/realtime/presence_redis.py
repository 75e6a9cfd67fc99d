"""Viewer counts shared by every process serving a show, kept in Redis by the audience rule."""

from __future__ import annotations

from typing import Any

from livestall.realtime.presence import Counts, Report

PREFIX = "livestall:presence"

# Per show, in one hash slot: `alive` (process -> expiry ms), `viewers` (viewer key -> how many
# processes hold a socket of it), one set per process of the viewers it holds, `peak`, and
# `unique` (a HyperLogLog: 0.81% standard error, exact enough for "100 viewers in 10 minutes").
# A process reports only the viewers that came or went, so a report costs what changed, not
# the audience; concurrent is HLEN(viewers), so a viewer on two processes counts once. A dead
# process's viewers are taken out by the first report after its expiry. A process whose set is
# not what it believes (taken out after a stall) is asked for everyone it holds: reply {-1}.
_REPORT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local alive, viewers, peak_key, unique, mine = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local node, ttl, keep, mode = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local n1, n2, believed, node_prefix = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local first = 9
if mode == 'd' and believed > 0 and redis.call('SCARD', mine) ~= believed then
  return {-1}
end
local function drop(m)
  if redis.call('HINCRBY', viewers, m, -1) <= 0 then redis.call('HDEL', viewers, m) end
end
local lowest = nil
local all = redis.call('HGETALL', alive)
for i = 1, #all, 2 do
  local other = all[i]
  if other ~= node then
    if tonumber(all[i + 1]) < now then
      local gone = node_prefix .. other
      for _, m in ipairs(redis.call('SMEMBERS', gone)) do drop(m) end
      redis.call('DEL', gone)
      redis.call('HDEL', alive, other)
    elseif lowest == nil or other < lowest then
      lowest = other
    end
  end
end
if mode == 'f' then
  local want = {}
  for i = first, first + n1 - 1 do want[ARGV[i]] = true end
  for _, m in ipairs(redis.call('SMEMBERS', mine)) do
    if not want[m] then
      redis.call('SREM', mine, m)
      drop(m)
    end
  end
end
for i = first, first + n1 - 1 do
  if redis.call('SADD', mine, ARGV[i]) == 1 then redis.call('HINCRBY', viewers, ARGV[i], 1) end
end
for i = first + n1, first + n1 + n2 - 1 do
  if redis.call('SREM', mine, ARGV[i]) == 1 then drop(ARGV[i]) end
end
local here = redis.call('SCARD', mine)
if here > 0 then
  redis.call('HSET', alive, node, now + ttl)
else
  redis.call('HDEL', alive, node)
end
local total = redis.call('HLEN', viewers)
local peak = tonumber(redis.call('GET', peak_key) or '0')
if total > peak then
  peak = total
  redis.call('SET', peak_key, peak)
end
local i = first
while i <= #ARGV do
  local j = math.min(i + 499, #ARGV)
  redis.call('PFADD', unique, unpack(ARGV, i, j))
  i = j + 1
end
local count = redis.call('PFCOUNT', unique)
for _, key in ipairs({alive, viewers, peak_key, unique, mine}) do redis.call('EXPIRE', key, keep) end
local leads = 0
if here > 0 and (lowest == nil or node < lowest) then leads = 1 end
return {total, peak, count, leads}
"""


def show_keys(show_id: int, prefix: str = PREFIX) -> dict[str, str]:
    """The Redis keys of a show's presence (one hash slot per show, should Redis be a cluster)."""
    base = f"{prefix}:{{{show_id}}}"
    return {"alive": f"{base}:alive", "viewers": f"{base}:viewers", "peak": f"{base}:peak",
            "unique": f"{base}:unique", "node": f"{base}:node:", "anon": f"{base}:anon:"}


class RedisPresence:
    """Counts over every process serving the show: distinct viewers, however many processes hold their sockets."""

    shared = True

    def __init__(self, client: Any, node_id: str, *, prefix: str = PREFIX, ttl_s: float = 10.0,
                 keep_s: int = 7 * 24 * 3600) -> None:
        self.client, self.node_id, self.prefix = client, node_id, prefix
        self.ttl_ms, self.keep_s = int(ttl_s * 1000), keep_s
        self._script = client.register_script(_REPORT)

    async def report(self, show_id: int, report: Report) -> tuple[Counts, bool]:
        """Record which viewers came and went here; return the totals and whether this process leads the show."""
        changes = report.changes
        if not report.full:
            believed = report.local - len(changes.added) + len(changes.removed)
            result = await self._call(show_id, "d", list(changes.added), list(changes.removed), believed,
                                      changes.seen - changes.added)
            if result[0] != -1:
                return _counts(result)
        result = await self._call(show_id, "f", report.everyone(), [], 0, changes.seen)
        return _counts(result)

    async def _call(self, show_id: int, mode: str, present: list[str], gone: list[str], believed: int,
                    seen: set[str]) -> list[Any]:
        keys = show_keys(show_id, self.prefix)
        args = [self.node_id, self.ttl_ms, self.keep_s, mode, len(present), len(gone), believed, keys["node"],
                *present, *gone, *(seen - set(present))]
        return await self._script(keys=[keys["alive"], keys["viewers"], keys["peak"], keys["unique"],
                                        keys["node"] + self.node_id], args=args)


def _counts(result: list[Any]) -> tuple[Counts, bool]:
    total, peak, unique, leads = (int(x) for x in result)
    return Counts(total, peak, unique), bool(leads)
