"""The ticker widens its tick as rounds cost more, more while a crowd arrives, and most in a storm of taps."""

from __future__ import annotations

import gc
import time

import pytest

from livestall.realtime import Limits
from livestall.realtime.hub import Hub
from tests.realtime.support import RawClient, masked_text_frame


def test_a_crowd_arriving_gets_most_of_the_loop():
    """Fan-out takes at most 2/3 of the loop, 1/3 while joins pour in, 1/8 in a storm of taps."""
    hub = Hub(tick_s=0.1)
    assert hub.period(0.01, hub.stretch_for(arrivals_per_s=0)) == 0.1  # a light round: the plain tick
    assert hub.period(0.2, hub.stretch_for(arrivals_per_s=20)) == 0.2 * 1.5  # a heavy round: the tick widens
    assert hub.period(0.2, hub.stretch_for(arrivals_per_s=800)) == 0.2 * 3.0  # a crowd arriving: wider still
    # thousands of bids a second: their answers are private and written at once, the room's frames wait longest
    assert hub.period(0.05, hub.stretch_for(arrivals_per_s=5000, storming=True)) == pytest.approx(0.05 * 8.0)
    assert hub.period(5.0, hub.stretch_for(arrivals_per_s=800, storming=True)) == 2.0  # never past the longest tick


def test_a_storm_of_taps_begins_at_a_thousand_a_second_and_lasts_until_half_that():
    hub = Hub(tick_s=0.1)
    assert not hub.storming_at(900)
    assert hub.storming_at(1000)
    for _ in range(100):  # a hundred taps at once: the storm is on
        hub.tapped()
    assert hub.storming
    assert hub.storming_at(600)  # an auction's tail of bids at about the threshold: still the storm's regime
    assert not hub.storming_at(400)


def test_a_storm_begins_with_its_taps_not_at_the_next_round():
    """The collector stops and fan-out yields within the storm's first hundred taps, not up to two seconds later."""
    storms: list[bool] = []
    hub = Hub(tick_s=0.1, on_storm=storms.append)
    hub.counting_since = time.monotonic() - 1.0  # the last round was a second ago: 150 taps since is no storm
    for _ in range(150):
        hub.tapped()
    assert not hub.storming and storms == []
    hub.taps, hub.counting_since = 0, time.monotonic()  # a round just went; then a hundred taps at once
    for _ in range(100):
        hub.tapped()
    assert hub.storming and storms == [True]
    for _ in range(1000):  # the storm is on: it is not begun again
        hub.tapped()
    assert storms == [True]


def stretches_while_sending(gw, client: RawClient, frame: bytes, count: int) -> tuple[set[float], set[bool]]:
    """Send `count` frames at once and read the ticker's stretch, and whether the collector runs, every few
    milliseconds until they are answered and the rounds after them are done."""
    client.sock.sendall(frame * count)
    stretches, collecting, answered, started = set(), set(), 0, time.monotonic()
    while (answered < count or time.monotonic() < started + 0.4) and time.monotonic() < started + 20:
        stretches.add(gw.call(lambda: gw.gateway.hub.stats["stretch"]))
        collecting.add(gc.isenabled())
        answered += sum(1 for f in client.frames(0.005) if f["type"] in ("ack", "error"))
    assert answered == count
    return stretches, collecting


def test_a_storm_of_taps_over_the_sockets_makes_fan_out_and_the_collector_yield_and_chat_does_not(gateways):
    """While thousands of taps a second come in, the room's frames merge longest and the collector waits; chat
    at the same rate is the room's content, and fan-out keeps carrying it."""
    gw = gateways(limits=Limits(frames=100_000, frames_window_s=1.0))
    gw.call(lambda: gw.gateway.register("counts", taps=("counts",)))  # here, a tap: answered to its sender alone
    tapper = RawClient(gw.gateway.port, "/ws/shows/1?user=ana")
    chatter = RawClient(gw.gateway.port, "/ws/shows/1?user=bo")
    tapper.frames(0.3), chatter.frames(0.3)  # their snapshots

    assert gc.isenabled()
    taps, collecting = stretches_while_sending(gw, tapper, masked_text_frame({"type": "counts", "id": "t"}), 3000)
    assert gw.gateway.hub.storm_stretch in taps and False in collecting
    time.sleep(0.5)  # the storm is over: the next rounds go back to the plain tick, the collector runs again
    assert gw.call(lambda: gw.gateway.hub.stats["stretch"]) == gw.gateway.hub.stretch and gc.isenabled()

    chat, collecting = stretches_while_sending(gw, chatter, masked_text_frame({"type": "say", "text": "hi", "id": "c"}),
                                               3000)
    assert gw.gateway.hub.storm_stretch not in chat and collecting == {True}
    assert gw.gateway.hub.crowd_stretch in chat


def test_taps_from_a_socket_without_a_login_make_no_storm(gateways):
    """Bids and purchases need a login: a flood of them from anonymous sockets is refused, and never puts the room
    in a storm's regime (frames held back, the collector stopped, the pings held)."""
    gw = gateways(limits=Limits(frames=100_000, frames_window_s=1.0))
    gw.call(lambda: gw.gateway.register("counts", taps=("counts",)))
    anonymous = RawClient(gw.gateway.port, "/ws/shows/1")
    anonymous.frames(0.3)
    taps, collecting = stretches_while_sending(gw, anonymous, masked_text_frame({"type": "counts", "id": "t"}), 3000)
    assert gw.gateway.hub.storm_stretch not in taps and collecting == {True}
    assert not gw.gateway.hub.storming
