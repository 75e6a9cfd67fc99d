"""The ticker widens its tick as rounds cost more, and more while a crowd arrives."""

from __future__ import annotations

from livestall.realtime.hub import Hub


def test_a_crowd_arriving_gets_most_of_the_loop():
    """Fan-out takes at most 2/3 of the loop, and at most 1/3 while joins pour in: those arriving get in."""
    hub = Hub(tick_s=0.1)
    assert hub.period(0.01, arrivals_per_s=0) == 0.1  # a light round: the plain tick
    assert hub.period(0.2, arrivals_per_s=20) == 0.2 * 1.5  # a heavy round: the tick widens
    assert hub.period(0.2, arrivals_per_s=800) == 0.2 * 3.0  # a crowd arriving: wider still
    assert hub.period(5.0, arrivals_per_s=800) == 2.0  # never past the longest tick
