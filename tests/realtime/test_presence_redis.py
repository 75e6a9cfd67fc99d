"""Presence over a real Redis: distinct viewers across processes, a dead process's viewers leave, a lost one resends."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis

from livestall.realtime.presence import Changes, Report
from livestall.realtime.presence_redis import RedisPresence, show_keys


def report(*, added=(), removed=(), here: list[str]) -> Report:
    changes = Changes(set(added), set(removed), set(added))
    return Report(len(here), changes, lambda: list(here))


def test_counts_are_distinct_viewers_over_processes_and_a_dead_process_leaves(rt_redis):
    async def run():
        client = aioredis.from_url(rt_redis)
        a = RedisPresence(client, "node-a", ttl_s=0.3)
        b = RedisPresence(client, "node-b", ttl_s=30)
        try:
            counts, a_leads = await a.report(7, report(added=["u1", "b:x"], here=["u1", "b:x"]))
            assert (counts.concurrent, counts.peak, counts.unique, a_leads) == (2, 2, 2, True)
            counts, b_leads = await b.report(7, report(added=["u1", "u2"], here=["u1", "u2"]))
            assert (counts.concurrent, counts.peak, counts.unique, b_leads) == (3, 3, 3, False)  # u1 once
            counts, _ = await b.report(7, report(removed=["u1"], here=["u2"]))
            assert counts.concurrent == 3  # u1 still watches on A
            deadline = time.monotonic() + 10
            while True:  # A stops reporting: once its entry has expired, its viewers no longer count
                await asyncio.sleep(0.1)
                counts, b_leads = await b.report(7, report(here=["u2"]))
                if counts.concurrent == 1:
                    break
                assert time.monotonic() < deadline, counts
            assert (counts.peak, counts.unique, b_leads) == (3, 3, True)
            assert await client.exists(show_keys(7)["node"] + "node-a") == 0
        finally:
            await client.aclose()

    asyncio.run(run())


def test_a_process_the_store_lost_track_of_sends_everyone_again(rt_redis):
    async def run():
        client = aioredis.from_url(rt_redis)
        a = RedisPresence(client, "node-a", ttl_s=30)
        try:
            await a.report(8, report(added=["u1", "u2"], here=["u1", "u2"]))
            await client.delete(show_keys(8)["node"] + "node-a", show_keys(8)["viewers"])  # as if declared dead
            counts, _ = await a.report(8, report(added=["u3"], here=["u1", "u2", "u3"]))
            assert counts.concurrent == 3
            members = await client.smembers(show_keys(8)["node"] + "node-a")
            assert {m.decode() for m in members} == {"u1", "u2", "u3"}
        finally:
            await client.aclose()

    asyncio.run(run())
