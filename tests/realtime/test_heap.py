"""The heap keeper freezes the start-up heap, then follows the audience: freezes as it grows, unfreezes when down to a quarter."""

from __future__ import annotations

import asyncio
import gc
import time

from livestall.realtime import heap
from livestall.realtime.heap import HeapKeeper


def test_freeze_follows_the_audience():
    audience = {"n": 0}
    keeper = HeapKeeper(lambda: audience["n"], min_connections=100, growth=0.5)
    try:
        keeper.check()
        assert keeper.frozen_at == 0  # small rooms: nothing to do
        audience["n"] = 100
        keeper.check()
        assert keeper.frozen_at == 100 and gc.get_freeze_count() > 0
        audience["n"] = 140
        keeper.check()
        assert keeper.frozen_at == 100  # grew by less than half: no new freeze
        audience["n"] = 150
        keeper.check()
        assert keeper.frozen_at == 150
        audience["n"] = 40
        keeper.check()
        assert keeper.frozen_at == 150  # down to a quarter not yet
        audience["n"] = 37
        keeper.check()
        # Unfrozen, collected, and what lives frozen again: the next full collection stays small.
        assert keeper.frozen_at == 0 and gc.get_freeze_count() > 0 and sum(gc.get_count()) < 1_000
    finally:
        gc.unfreeze()


def test_the_start_up_heap_is_frozen_before_any_audience():
    keeper = HeapKeeper(lambda: 0)
    thresholds = gc.get_threshold()
    try:
        gc.unfreeze()
        keeper.freeze_startup()
        # Everything the process is made of is out of the collector's sight: a full collection walks little.
        assert gc.get_freeze_count() > 10_000
        assert sum(gc.get_count()) < 1_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_a_storm_of_objects_that_live_for_seconds_runs_no_full_collection():
    """What a bid storm leaves alive for a while (each socket's futures, queued bids) must not make the collector
    walk all of it, again and again, while every answer waits."""
    keeper = HeapKeeper(lambda: 0)
    thresholds = gc.get_threshold()
    full = []

    def count_full(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(info)

    try:
        keeper.freeze_startup()
        gc.callbacks.append(count_full)
        storm = [[n] for n in range(400_000)]  # alive until the storm is over
        assert not full, f"{len(full)} full collections during the storm"
        del storm
    finally:
        gc.callbacks.remove(count_full)
        gc.unfreeze()
        gc.set_threshold(*thresholds)



def test_the_collector_waits_out_a_storm_of_taps_but_not_forever_and_not_past_the_keeper():
    keeper = HeapKeeper(lambda: 0)
    assert gc.isenabled()
    try:
        keeper.storm(True)
        assert not gc.isenabled()
        frozen = gc.get_freeze_count()
        waiting = [[] for _ in range(20_000)]  # what a storm keeps alive until its tick
        keeper.storm(False)
        # Collecting again, without first walking all that the storm allocated while the last answers wait.
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(waiting) and sum(gc.get_count()) < 1_000
        keeper.storm(True)
        keeper.storm_since = time.monotonic() - heap.LONGEST_STORM_S - 1  # a storm that lasts
        keeper.check()
        assert gc.isenabled()
        keeper.storm(False)

        async def stopped_in_a_storm() -> None:
            running = asyncio.create_task(keeper.run())
            await asyncio.sleep(0.05)
            keeper.storm(True)
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)

        thresholds = gc.get_threshold()
        asyncio.run(stopped_in_a_storm())
        gc.set_threshold(*thresholds)
        assert gc.isenabled()  # a process is never left without its collector
    finally:
        gc.unfreeze()
        gc.enable()
