"""A merged writer's transaction goes between two chunks of a room's frame: fan-out waits while one is open, and is
never starved by them."""

from __future__ import annotations

import asyncio
import time

from livestall.events import Event
from livestall.realtime.precedence import Precedence
from tests.realtime.support import RawClient, chat_events


def test_waiting_for_writers_returns_when_the_last_is_done_or_at_the_limit():
    async def scenario() -> list[str]:
        precedence, seen = Precedence(), []
        await asyncio.wait_for(precedence.wait_clear(5.0), 0.1)  # nobody writing: no wait at all

        async def writer(name: str, hold_s: float) -> None:
            with precedence.writing():
                await asyncio.sleep(hold_s)
            seen.append(f"{name} done")

        writers = [asyncio.create_task(writer("short", 0.05)), asyncio.create_task(writer("long", 0.2))]
        await asyncio.sleep(0)
        await precedence.wait_clear(5.0)
        seen.append("fan-out")
        await asyncio.gather(*writers)

        with precedence.writing():  # a writer that never finishes cannot hold fan-out past the limit
            started = time.monotonic()
            await precedence.wait_clear(0.1)
            seen.append(f"gave up after {time.monotonic() - started >= 0.1}, none left waiting: {not precedence._clear}")
        return seen

    assert asyncio.run(scenario()) == ["short done", "long done", "fan-out", "gave up after True, none left waiting: True"]


def chat_seen(viewer: RawClient, within_s: float, until_any: bool = True) -> list:
    """The chat events' `n` a viewer reads within `within_s`: as soon as one came, or all of that time."""
    seen, deadline = [], time.monotonic() + within_s
    while time.monotonic() < deadline and not (seen and until_any):
        seen += [ev["data"]["n"] for frame in viewer.frames(0.05) for ev in chat_events(frame)]
    return seen


def test_the_rooms_frame_waits_for_an_open_transaction_and_never_past_the_limit(gateways):
    gw = gateways()
    hub = gw.gateway.hub
    viewers = [RawClient(gw.gateway.port, f"/ws/shows/1?user=v{n}") for n in range(6)]
    try:
        for viewer in viewers:
            assert viewer.frames(0.3)[0]["type"] == "snapshot"
        gw.call(lambda: setattr(hub, "chunk", 2))  # three chunks for this room, as 15,000 sockets make eight
        gw.call(lambda: setattr(hub, "longest_wait_s", 5.0))
        transaction = hub.precedence.writing()
        gw.call(transaction.__enter__)  # a tick of bids, mid-transaction
        gw.gateway.publish(Event(1, "chat.message", {"n": 1}))
        assert chat_seen(viewers[0], 0.6, until_any=False) == []  # rounds came and went: it waits
        gw.call(transaction.__exit__, None, None, None)
        assert [chat_seen(viewer, 2.0) for viewer in viewers] == [[1]] * 6

        gw.call(lambda: setattr(hub, "longest_wait_s", 0.1))
        stuck = hub.precedence.writing()
        gw.call(stuck.__enter__)  # a writer that never finishes
        gw.gateway.publish(Event(1, "chat.message", {"n": 2}))
        assert [chat_seen(viewer, 3.0) for viewer in viewers] == [[2]] * 6  # each chunk waited its 0.1 s, and went
        gw.call(stuck.__exit__, None, None, None)
    finally:
        for viewer in viewers:
            viewer.close()
