"""A viewer that stops reading loses frames, gets `resync`, and costs the other viewers nothing."""

from __future__ import annotations

import time

from websockets.sync.client import connect

from livestall.events import Event
from tests.realtime.support import RawClient, chat_events, recv_json, recv_until


def test_slow_viewer_is_dropped_then_resynced_and_never_delays_the_rest(gateways):
    gw = gateways()  # 16 KiB per-connection buffer (room_settings)
    slow = RawClient(gw.gateway.port, "/ws/shows/1?user=slowpoke", rcvbuf=4096)
    try:
        with connect(gw.url(1, "fast")) as fast:
            recv_json(fast)
            pad = "z" * 20_000
            latencies = []
            for n in range(40):  # ~800 KB in 40 ticks: far more than the slow viewer's buffers hold
                sent = time.monotonic()
                gw.gateway.publish(Event(1, "chat.message", {"n": n, "pad": pad}))
                while True:
                    events = chat_events(recv_json(fast))
                    if events:
                        break
                latencies.append(time.monotonic() - sent)
                assert [ev["data"]["n"] for ev in events] == [n]
            stats = gw.call(lambda: dict(gw.gateway.hub.stats))
            assert stats["dropped"] > 0
            assert max(latencies) < 1.0, latencies

            # The slow viewer reads again; once its buffer drains it is told to resync.
            frames = slow.frames(timeout=1.0)
            gw.gateway.publish(Event(1, "chat.message", {"n": "after", "pad": ""}))
            frames += slow.frames(timeout=1.0)
            kinds = [f["type"] for f in frames]
            assert kinds[0] == "snapshot" and "resync" in kinds
            seen = [ev["data"]["n"] for f in frames for ev in chat_events(f)]
            assert len([n for n in seen if n != "after"]) < 40  # frames were dropped for it...
            assert seen[-1] == "after"  # ...and it is back in the stream after the resync
            assert kinds.index("resync") < max(i for i, f in enumerate(frames) if chat_events(f))
            after = recv_until(fast, lambda f: bool(chat_events(f)))
            assert chat_events(after)[0]["data"]["n"] == "after"
            print("slow viewer saw", kinds, seen)
    finally:
        slow.close()
