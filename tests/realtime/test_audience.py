"""Viewers are people, not sockets: counting by user and browser, the anonymous cap per address, logins that end."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from livestall.realtime import Limits
from livestall.realtime.config import TrustedProxies
from tests.realtime.support import recv_json, recv_until, room_settings, wait_counts

BROWSER = "b7f3c2a9d1e04f6a8c5b2e7d9f1a3c6e"


def open_(gw, show_id=1, *, user=None, viewer=None, address=None):
    query = "&".join(f"{k}={v}" for k, v in (("user", user), ("viewer", viewer)) if v)
    headers = {"X-Forwarded-For": address} if address else {}
    return connect(f"ws://127.0.0.1:{gw.gateway.port}/ws/shows/{show_id}" + (f"?{query}" if query else ""),
                   additional_headers=headers)


def closed(ws, timeout: float = 10.0):
    """Every frame up to the server's close, and the close frame."""
    frames = []
    deadline = time.monotonic() + timeout
    with pytest.raises(ConnectionClosed) as info:
        while time.monotonic() < deadline:
            frames.append(recv_json(ws, timeout=max(0.01, deadline - time.monotonic())))
    return frames, info.value.rcvd


def wait_until(ready, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)


def test_one_browser_with_many_sockets_is_one_viewer(gateways):
    gw = gateways()
    with ExitStack() as stack:
        sockets = [stack.enter_context(open_(gw, viewer=BROWSER)) for _ in range(12)]
        for ws in sockets:
            assert recv_json(ws)["type"] == "snapshot"
        other = stack.enter_context(open_(gw, viewer="another-browser-0001"))
        recv_json(other)
        assert wait_counts(sockets[0], lambda c: c["concurrent"] == 2) == {"concurrent": 2, "peak": 2, "unique": 2}
        for ws in sockets[1:]:
            ws.close()
        wait_until(lambda: len(gw.handler.left) == 11)
        # The browser is still there on one socket: a newcomer makes three, not two.
        third = stack.enter_context(open_(gw, viewer="a-third-browser-01"))
        recv_json(third)
        assert wait_counts(third, lambda c: c["unique"] == 3) == {"concurrent": 3, "peak": 3, "unique": 3}
        sockets[0].close()
        assert wait_counts(other, lambda c: c["peak"] == 3 and c["concurrent"] == 2)["unique"] == 3


def test_a_user_with_three_sockets_is_one_viewer_and_sockets_without_an_id_count_each(gateways):
    gw = gateways()
    with ExitStack() as stack:
        mine = [stack.enter_context(open_(gw, user="ann")) for _ in range(3)]
        bare = [stack.enter_context(open_(gw)) for _ in range(2)]  # no browser id: one viewer per socket
        for ws in mine + bare:
            recv_json(ws)
        assert wait_counts(mine[0], lambda c: c["concurrent"] == 3) == {"concurrent": 3, "peak": 3, "unique": 3}
        snapshot = recv_json(stack.enter_context(open_(gw, user="ann")))
        assert snapshot["data"]["viewers"]["concurrent"] == 3


def test_anonymous_sockets_past_the_cap_per_address_are_refused_naming_the_rule(gateways):
    gw = gateways(limits=Limits(anonymous_per_address=3))
    with ExitStack() as stack:
        admitted = [stack.enter_context(open_(gw, viewer=f"browser-number-{i:04d}", address="203.0.113.7"))
                    for i in range(3)]
        for ws in admitted:
            assert recv_json(ws)["type"] == "snapshot"
        refused = stack.enter_context(open_(gw, viewer=BROWSER, address="203.0.113.7"))
        frames, close = closed(refused)
        assert frames[0]["type"] == "error" and frames[0]["code"] == "rate-limited"
        assert (frames[0]["field"], frames[0]["rule"]) == ("client", "anonymous_per_address")
        assert "at most 3 anonymous viewers per address" in frames[0]["message"]
        assert (close.code, close.reason) == (4429, "anonymous_per_address")
        # Another address, another show and logged-in viewers are not held to it.
        for ws in (open_(gw, address="198.51.100.4"), open_(gw, 2, address="203.0.113.7"),
                   open_(gw, user="ann", address="203.0.113.7")):
            assert recv_json(stack.enter_context(ws))["type"] == "snapshot"
        # A socket that leaves frees its place.
        admitted[0].close()
        deadline = time.monotonic() + 10
        while True:
            with open_(gw, address="203.0.113.7") as again:
                if recv_json(again)["type"] == "snapshot":
                    break
            assert time.monotonic() < deadline, "the freed place was never given again"
            time.sleep(0.1)


def test_a_malformed_browser_id_is_refused_naming_the_field(gateways):
    gw = gateways()
    with open_(gw, viewer="short") as ws:
        frames, close = closed(ws)
    assert (frames[0]["code"], frames[0]["field"], frames[0]["rule"]) == ("invalid", "viewer", "format")
    assert close.code == 4422


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy():
    loopback = TrustedProxies("127.0.0.1,::1")
    assert loopback.client("127.0.0.1", ["203.0.113.7"]) == "203.0.113.7"
    assert loopback.client("127.0.0.1", ["198.51.100.1, 203.0.113.7"]) == "203.0.113.7"  # the nearest hop
    assert loopback.client("198.51.100.9", ["203.0.113.7"]) == "198.51.100.9"  # anyone else may not say
    assert loopback.client("127.0.0.1", []) == "127.0.0.1"
    assert TrustedProxies("10.0.0.0/8").client("10.1.2.3", ["203.0.113.7"]) == "203.0.113.7"


def test_ending_a_login_closes_every_socket_of_the_user_in_every_show(gateways):
    gw = gateways()
    with open_(gw, 1, user="ann") as one, open_(gw, 2, user="ann") as two, open_(gw, 1, user="bob") as bob:
        for ws in (one, two, bob):
            recv_json(ws)
        gw.gateway.end_user_sessions("ann", "logged_out", "This account logged out.")
        for ws in (one, two):
            frames, close = closed(ws)
            notice = next(f for f in frames if f["type"] == "notice")
            assert (notice["code"], notice["reason"]) == ("session_ended", "logged_out")
            assert (close.code, close.reason) == (4401, "session_ended")
        bob.send(json.dumps({"type": "say", "text": "still here", "id": 1}))
        assert recv_until(bob, lambda f: f["type"] == "ack")["ref"] == 1


# Redis is asked for first so that it outlives the gateways: they stop after it otherwise, with no Redis to leave.
def test_over_redis_a_viewer_on_two_processes_counts_once_and_the_cap_and_logouts_span_both(rt_redis, gateways):
    limits = Limits(anonymous_per_address=2)
    a = gateways(room_settings(redis_url=rt_redis), limits=limits, redis_url=rt_redis)
    b = gateways(room_settings(redis_url=rt_redis), limits=limits, redis_url=rt_redis)
    with ExitStack() as stack:
        browser_a = stack.enter_context(open_(a, viewer=BROWSER, address="203.0.113.7"))
        browser_b = stack.enter_context(open_(b, viewer=BROWSER, address="203.0.113.7"))
        ann_a, ann_b = stack.enter_context(open_(a, user="ann")), stack.enter_context(open_(b, user="ann"))
        for ws in (browser_a, browser_b, ann_a, ann_b):
            assert recv_json(ws)["type"] == "snapshot"
        for ws in (ann_a, ann_b):
            assert wait_counts(ws, lambda c: c["concurrent"] == 2) == {"concurrent": 2, "peak": 2, "unique": 2}
        # Two anonymous sockets from that address already, one on each process: a third is refused on either.
        frames, close = closed(stack.enter_context(open_(a, address="203.0.113.7")))
        assert frames[0]["rule"] == "anonymous_per_address" and close.code == 4429
        # One process ends the login; the socket on the other closes too.
        b.gateway.end_user_sessions("ann", "password_changed", "This account's password was changed.")
        for ws in (ann_a, ann_b):
            assert closed(ws)[1].reason == "session_ended"
        assert wait_counts(browser_a, lambda c: c["concurrent"] == 1)["concurrent"] == 1
