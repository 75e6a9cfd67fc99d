"""Random frames at a show room: the server never falls over and other viewers keep receiving events."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from livestall.live.parts import frame_types
from livestall.settings import Settings
from tests.helpers import register
from tests.orders.support import live_shop
from tests.room_client import RoomClient

ROOM_FRAMES = frame_types(Settings())

FIELDS = ("v", "id", "type", "text", "question_id", "message_id", "user_id", "seconds", "minutes", "on", "data")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20)
# Frames shaped like the protocol's, with any value in any field: wrong types, missing parts, NaN.
shaped = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6).flatmap(
    lambda d: st.sampled_from((*ROOM_FRAMES, "ping", "sync", "", "nope")).map(lambda t: {**d, "type": t}))
frames = st.one_of(
    shaped.map(lambda d: ("text", json.dumps(d))),
    json_values.map(lambda v: ("text", json.dumps(v))),
    st.text(max_size=200).map(lambda t: ("text", t)),
    st.binary(max_size=200).map(lambda b: ("binary", b)),
    st.binary(min_size=1, max_size=50).map(lambda b: ("bad-utf8", b"\xff\xfe" + b)),
    st.sampled_from([("text", "x" * 5000), ("text", json.dumps({"type": "chat.send", "text": "y" * 70_000})),
                     ("binary", b"\0" * 70_000)]),
)


class Fuzzer:
    """A logged-in viewer's socket that sends whatever it is given, reconnecting when the server closes it."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token, self.ws, self.reconnects = url, token, None, 0

    def send(self, kind: str, payload) -> None:
        for _ in range(2):
            try:
                if self.ws is None:
                    self.ws = connect(self.url, additional_headers={"Authorization": f"Bearer {self.token}"},
                                      open_timeout=10, max_size=None).__enter__()
                    self.reconnects += 1
                self.ws.send(payload, text=True) if kind == "bad-utf8" else self.ws.send(payload)
                return
            except (ConnectionClosed, InvalidStatus, OSError):
                self.close()

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None


def test_random_frames_never_crash_the_room_and_others_keep_receiving(api, app_server):
    world = live_shop(api)
    show_id = world["show"]["id"]
    chatters = [register(api) for _ in range(4)]
    fuzzer = Fuzzer(f"{app_server.ws_base}/ws/shows/{show_id}", register(api).token)
    watcher = RoomClient(app_server.ws_base, show_id)
    speakers = [RoomClient(app_server.ws_base, show_id, c.token) for c in chatters]
    sent = {"n": 0, "said": 0}

    def say_and_hear() -> None:
        sent["said"] += 1
        text = f"still here {sent['said']}"
        assert speakers[sent["said"] % 4].request("chat.send", text=text)["type"] == "ack"
        watcher.wait_event("chat.message", lambda d: d["text"] == text, timeout=15)

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(frame=frames)
    def fuzz(frame) -> None:
        fuzzer.send(*frame)
        sent["n"] += 1
        if sent["n"] % 60 == 0:  # during the storm, the room still carries chat to the watcher
            say_and_hear()

    failed_before = app_server.log().count("room frame handler failed")
    try:
        fuzz()
        say_and_hear()  # and after it
        assert app_server.proc.poll() is None
        assert api.get("/healthz").status_code == 200
        assert sent["n"] >= 300 and sent["said"] >= 5
        assert app_server.log().count("room frame handler failed") == failed_before  # every frame got a clean answer
    finally:
        fuzzer.close()
        watcher.close()
        for speaker in speakers:
            speaker.close()
