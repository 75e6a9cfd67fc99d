"""Rate limits: GCRA in memory and in Redis agree, and Redis limits are shared between clients."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis

from livestall.realtime.ratelimit import Bucket, MemoryRateLimiter, RedisRateLimiter, Strikes


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_limit_burst_then_steady_rate():
    clock = Clock()
    limiter = MemoryRateLimiter(clock)
    results = [limiter.hit_now("u1", limit=3, window_s=3) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results[:3]] == [2, 1, 0]
    assert results[3].retry_after_s == pytest.approx(1.0)
    assert limiter.hit_now("u2", limit=3, window_s=3).allowed  # keys are independent
    clock.now += 1.0  # one interval later, exactly one more hit fits
    assert limiter.hit_now("u1", limit=3, window_s=3).allowed
    assert not limiter.hit_now("u1", limit=3, window_s=3).allowed


def test_memory_slow_mode_one_per_window_and_reset():
    clock = Clock()
    limiter = MemoryRateLimiter(clock)
    assert asyncio.run(limiter.hit("slow:7:bob", limit=1, window_s=10)).allowed
    clock.now += 9.5
    denied = asyncio.run(limiter.hit("slow:7:bob", limit=1, window_s=10))
    assert not denied.allowed and denied.retry_after_s == pytest.approx(0.5)
    asyncio.run(limiter.reset("slow:7:bob"))
    assert asyncio.run(limiter.hit("slow:7:bob", limit=1, window_s=10)).allowed
    with pytest.raises(ValueError):
        limiter.hit_now("x", limit=0, window_s=1)


def test_bucket_and_strikes():
    bucket = Bucket(2, 60)
    assert [bucket.take().allowed for _ in range(3)] == [True, True, False]
    strikes = Strikes(limit=2, window_s=60)
    assert [strikes.add() for _ in range(3)] == [False, False, True]


def test_redis_limit_is_shared_between_clients(rt_redis):
    async def scenario():
        a, b = aioredis.from_url(rt_redis), aioredis.from_url(rt_redis)
        try:
            one, two = RedisRateLimiter(a), RedisRateLimiter(b)
            results = [await lim.hit("chat:1:bob", limit=3, window_s=2) for lim in (one, two, one, two)]
            assert [r.allowed for r in results] == [True, True, True, False]
            assert [r.remaining for r in results[:3]] == [2, 1, 0]
            assert 0.5 < results[3].retry_after_s <= 0.7
            assert (await one.hit("chat:1:alice", limit=3, window_s=2)).allowed
            await asyncio.sleep(0.7)
            assert (await two.hit("chat:1:bob", limit=3, window_s=2)).allowed
            assert not (await one.hit("chat:1:bob", limit=3, window_s=2)).allowed
            await one.reset("chat:1:bob")
            assert (await two.hit("chat:1:bob", limit=3, window_s=2)).allowed
            ttl = await a.pttl("livestall:rl:chat:1:bob")
            assert 0 < ttl <= 2001  # keys expire by themselves
        finally:
            await a.aclose()
            await b.aclose()

    started = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - started < 5


def test_redis_limit_falls_back_to_this_process_when_redis_is_down():
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    from tests.services import free_port

    async def scenario():
        client = aioredis.from_url(f"redis://127.0.0.1:{free_port()}/0", retry=Retry(NoBackoff(), 0),
                                   socket_connect_timeout=1)
        try:
            limiter = RedisRateLimiter(client)
            results = [await limiter.hit("chat:1:bob", limit=2, window_s=60) for _ in range(3)]
            assert [r.allowed for r in results] == [True, True, False]  # still limited, here alone
        finally:
            await client.aclose()

    asyncio.run(scenario())
