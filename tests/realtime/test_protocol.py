"""The frame envelope: client frame validation and server wire framing."""

from __future__ import annotations

import json
import time

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from livestall.realtime import protocol
from livestall.realtime.protocol import FrameError, parse_client_frame


def parse_wire(data: bytes) -> Frame:
    """Parse bytes with websockets' own frame parser, as a client would."""
    reader = StreamReader()
    reader.feed_data(data)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("incomplete frame")


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_text_frame_lengths_parse_as_websockets_frames(size):
    payload = b"x" * size
    frame = parse_wire(protocol.ws_text_frame(payload))
    assert frame.opcode is Opcode.TEXT and frame.fin and frame.data == payload


def test_server_frames_carry_the_version():
    batch = json.loads(protocol.batch(7, 3, [("chat.message", {"text": "héllo"}, None),
                                             ("pin.changed", {"items": []}, 1_796_553_879_617)]))
    assert batch == {"v": 1, "type": "batch", "show_id": 7, "seq": 3,
                     "events": [{"type": "chat.message", "data": {"text": "héllo"}},
                                {"type": "pin.changed", "data": {"items": []}, "at": 1_796_553_879_617}]}
    assert json.loads(protocol.error("invalid", "text: too long", "text", 5)) == {
        "v": 1, "type": "error", "code": "invalid", "message": "text: too long", "field": "text", "ref": 5}
    assert json.loads(protocol.resync(7))["type"] == "resync"
    assert json.loads(protocol.reconnect(1500)) == {"v": 1, "type": "reconnect", "retry_after_ms": 1500}


def test_an_unencodable_event_is_dropped_alone():
    frame = json.loads(protocol.batch(1, 1, [("a", {"x": 1}, None), ("b", {"bad": float("nan")}, None), ("c", {}, None)]))
    assert [ev["type"] for ev in frame["events"]] == ["a", "c"]


def test_a_snapshot_carries_the_server_clock_for_shared_and_own_state():
    before = time.time() * 1000
    shared = json.loads(protocol.snapshot(4, protocol.EncodedState(4, {"show": {"id": 4}}), {"concurrent": 2}))
    own = json.loads(protocol.snapshot(4, {"show": {"id": 4}}, {"concurrent": 2}))
    after = time.time() * 1000
    for frame in (shared, own):
        assert frame["data"]["show"] == {"id": 4} and frame["data"]["viewers"] == {"concurrent": 2}
        assert before - 1 <= frame["data"]["server_time"] <= after + 1


def test_valid_client_frame():
    assert parse_client_frame('{"type": "say", "text": "hi", "id": 3}', {"say"}) == {"type": "say", "text": "hi",
                                                                                     "id": 3}
    assert parse_client_frame(b'{"type": "ping"}', set())["type"] == "ping"


@pytest.mark.parametrize("raw, code, field", [
    ("not json", "malformed", None),
    ("[1, 2]", "malformed", None),
    ('{"text": "no type"}', "invalid", "type"),
    ('{"type": 5}', "invalid", "type"),
    ('{"type": "dance"}', "unknown-type", "type"),
    ('{"type": "say", "v": 2}', "unsupported-version", "v"),
    ('{"type": "say", "text": "' + "x" * 4100 + '"}', "frame-too-large", None),
    ('{"type": "say", "text": "' + "é" * 2100 + '"}', "frame-too-large", None),  # 4 KB of UTF-8, not of chars
])
def test_bad_client_frames(raw, code, field):
    with pytest.raises(FrameError) as caught:
        parse_client_frame(raw, {"say"})
    assert (caught.value.code, caught.value.field) == (code, field)


def test_error_echoes_the_client_frame_id():
    with pytest.raises(FrameError) as caught:
        parse_client_frame('{"type": "dance", "id": "m-1"}', {"say"})
    assert caught.value.ref == "m-1"
