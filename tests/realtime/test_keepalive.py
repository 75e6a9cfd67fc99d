"""Keepalive pings wait out a storm of taps (realtime/keepalive.py): the core answers the taps, and the pings held
back go out once it is over, or after the hold's limit."""

from __future__ import annotations

import time

from tests.realtime.support import RawClient, room_settings


def pings_within(viewer: RawClient, seconds: float) -> int:
    """The keepalive pings a viewer reads (and answers) over `seconds`."""
    before, deadline = viewer.pings, time.monotonic() + seconds
    while time.monotonic() < deadline:
        viewer.frames(0.05)
    return viewer.pings - before


def test_keepalive_pings_wait_while_a_storm_of_taps_lasts(gateways):
    gw = gateways(room_settings(realtime_keepalive_s=0.5))  # (a pong is due within as long)
    hub = gw.gateway.hub
    viewer = RawClient(gw.gateway.port, "/ws/shows/1?user=v1")

    def storm(on: bool) -> None:
        """Taps at any rate are a storm, or none is: the hub's next round begins or ends it."""
        gw.call(lambda: setattr(hub, "storm_taps_per_s", 0.0 if on else 1e9))
        pings_within(viewer, 0.6)  # reading on: a ping not answered in time closes the socket
        assert hub.storming is on

    try:
        assert viewer.frames(0.3)[0]["type"] == "snapshot"  # (a pause shorter than the pings' interval)
        assert pings_within(viewer, 2.0) >= 3  # calm: one every 0.5 s

        storm(True)
        assert pings_within(viewer, 2.0) == 0  # held for as long as the storm lasts

        storm(False)
        assert pings_within(viewer, 2.0) >= 2  # spread over half an interval, then every interval again

        gw.call(lambda: setattr(hub, "ping_hold_s", 1.0))
        storm(True)
        assert pings_within(viewer, 3.0) >= 1  # a storm that never ends holds each ping for the limit, not for ever
        storm(False)
    finally:
        viewer.close()
