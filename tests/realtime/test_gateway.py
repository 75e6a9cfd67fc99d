"""The room gateway over a real server and real WebSocket clients."""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from livestall.events import Event
from livestall.realtime import Limits
from tests.realtime.support import chat_events, recv_json, recv_until, room_settings


def is_batch_with_chat(frame):
    return bool(chat_events(frame))


def test_join_gets_a_snapshot_with_counts(gateways):
    gw = gateways()
    with connect(gw.url(1, "alice")) as ws:
        snap = recv_json(ws)
    assert snap["v"] == 1 and snap["type"] == "snapshot" and snap["show_id"] == 1
    assert snap["data"]["show"] == 1 and snap["data"]["user"] == "alice"
    assert snap["data"]["viewers"]["concurrent"] == 1


def test_events_of_one_tick_merge_into_one_frame_identical_for_everyone(gateways):
    gw = gateways()
    with ExitStack() as stack:
        clients = [stack.enter_context(connect(gw.url(1, f"u{i}"))) for i in range(3)]
        for ws in clients:
            assert recv_json(ws)["type"] == "snapshot"
        big = "x" * 70_000  # pushes the frame past 64 KiB: the 8-byte length form
        gw.call(lambda: [gw.gateway.publish(Event(1, "chat.message", {"n": n, "pad": big if n == 0 else ""}))
                         for n in range(20)])
        gw.gateway.publish(Event(2, "chat.message", {"n": "other show"}))
        raw = []
        for ws in clients:
            while True:
                text = ws.recv(timeout=5)
                if chat_events(json.loads(text)):
                    raw.append(text)
                    break
        assert raw[0] == raw[1] == raw[2]
        events = chat_events(json.loads(raw[0]))
        assert [ev["data"]["n"] for ev in events] == list(range(20))


def test_publish_from_another_thread_is_delivered(gateways):
    gw = gateways()
    with connect(gw.url(1)) as ws:
        recv_json(ws)
        threading.Thread(target=gw.gateway.publish, args=(Event(1, "sale", {"sku": "A"}),)).start()
        frame = recv_until(ws, is_batch_with_chat)
    assert chat_events(frame) == [{"type": "sale", "data": {"sku": "A"}}]


def test_bad_frames_get_error_frames_and_the_connection_stays(gateways):
    gw = gateways()
    with connect(gw.url(1, "alice")) as ws:
        recv_json(ws)
        cases = [
            ("{not json", "malformed", None),
            (json.dumps({"type": "say", "text": "x" * 5000}), "frame-too-large", None),
            (json.dumps({"type": "dance", "id": 9}), "unknown-type", "type"),
            (json.dumps({"text": "no type"}), "invalid", "type"),
        ]
        for raw, code, field in cases:
            ws.send(raw)
            error = recv_until(ws, lambda f: f["type"] == "error")
            assert error["code"] == code and error.get("field") == field
        ws.send(json.dumps({"type": "ping", "id": "p1"}))
        assert recv_until(ws, lambda f: f["type"] != "batch") == {"v": 1, "type": "pong", "ref": "p1"}


def test_handler_errors_become_error_frames(gateways):
    gw = gateways()
    with connect(gw.url(1, "alice")) as ws, connect(gw.url(1)) as anon:
        recv_json(ws), recv_json(anon)
        ws.send(json.dumps({"type": "say", "text": "y" * 300, "id": 1}))
        error = recv_until(ws, lambda f: f["type"] == "error")
        assert error == {"v": 1, "type": "error", "code": "invalid", "field": "text", "rule": "max_length", "ref": 1,
                         "message": "text: a string of at most 200 characters"}
        anon.send(json.dumps({"type": "say", "text": "hi"}))
        assert recv_until(anon, lambda f: f["type"] == "error")["code"] == "unauthorized"
        ws.send(json.dumps({"type": "boom", "id": 2}))
        error = recv_until(ws, lambda f: f["type"] == "error")
        assert (error["code"], error["ref"]) == ("internal", 2)
        ws.send(json.dumps({"type": "say", "text": "still here", "id": 3}))
        ack = recv_until(ws, lambda f: f["type"] == "ack")
        assert ack == {"v": 1, "type": "ack", "ref": 3, "data": {"accepted": True}}
        said = recv_until(anon, is_batch_with_chat)
        assert chat_events(said)[0]["data"] == {"user": "alice", "text": "still here"}


@pytest.mark.parametrize("path, code, slug", [
    ("/ws/shows/404", 4404, "not-found"),
    ("/ws/shows/1?user=bad", 4401, "unauthorized"),
    ("/ws/shows/1?user=mallory", 4403, "forbidden"),
])
def test_refused_joins_get_an_error_then_a_close(gateways, path, code, slug):
    gw = gateways()
    gw.handler.banned.add("mallory")
    with connect(f"ws://127.0.0.1:{gw.gateway.port}{path}") as ws:
        error = recv_json(ws)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert error["type"] == "error" and error["code"] == slug
    assert closed.value.rcvd.code == code


def test_origin_and_path_are_checked(gateways):
    gw = gateways()
    port = gw.gateway.port
    for origin in ("http://app.test:8000", "http://shop.test", None):
        with connect(gw.url(1), origin=origin) as ws:
            assert recv_json(ws)["type"] == "snapshot"
    with pytest.raises(InvalidStatus) as refused:
        connect(gw.url(1), origin="http://evil.test")
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as missing:
        connect(f"ws://127.0.0.1:{port}/ws/elsewhere")
    assert missing.value.response.status_code == 404


def test_joiners_miss_nothing_published_while_their_snapshot_is_made(gateways):
    gw = gateways()
    gw.handler.join_delay = 0.5
    with connect(gw.url(1, "early")) as early:
        recv_json(early)
        gw.handler.join_delay = 0.5
        result = {}

        def late_viewer():
            with connect(gw.url(1, "late")) as late:
                result["snapshot"] = recv_json(late)
                result["frame"] = recv_until(late, is_batch_with_chat)

        joiner = threading.Thread(target=late_viewer)
        joiner.start()
        time.sleep(0.2)  # the late viewer is inside on_join now
        gw.gateway.publish(Event(1, "chat.message", {"text": "during join"}))
        joiner.join(5)
        assert result["snapshot"]["type"] == "snapshot"
        frame = result["frame"]
    assert chat_events(frame)[0]["data"] == {"text": "during join"}


def test_private_sends_and_bans(gateways):
    gw = gateways()
    with connect(gw.url(1, "host")) as host, connect(gw.url(1, "bob")) as bob, connect(gw.url(1, "carol")) as carol:
        for ws in (host, bob, carol):
            recv_json(ws)
        host.send(json.dumps({"type": "whisper", "user": "bob", "text": "psst"}))
        assert recv_until(bob, lambda f: f["type"] == "whisper") == {"v": 1, "type": "whisper", "text": "psst"}
        conn_id = next(c.id for c in gw.gateway._conns.values() if c.user_id == "carol")
        assert gw.call(gw.gateway.send, conn_id, "notice", text="only you")
        assert recv_until(carol, lambda f: f["type"] == "notice")["text"] == "only you"
        host.send(json.dumps({"type": "ban", "user": "bob"}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                bob.recv(timeout=5)
        assert closed.value.rcvd.code == 4403
        with connect(gw.url(1, "bob")) as again:  # a new connection does not get back in
            assert recv_json(again)["code"] == "forbidden"
        gw.gateway.publish(Event(1, "chat.message", {"text": "carol stays"}))
        assert chat_events(recv_until(carol, is_batch_with_chat))[0]["data"]["text"] == "carol stays"


def test_a_private_send_reaches_every_socket_of_that_user_in_that_show_and_no_other(gateways):
    gw = gateways()
    with connect(gw.url(1, "host")) as host, connect(gw.url(1, "bob")) as phone, connect(gw.url(1, "bob")) as tab, \
            connect(gw.url(2, "bob")) as elsewhere, connect(gw.url(1, "carol")) as carol, \
            connect(gw.url(2, "host")) as host2:
        for ws in (host, phone, tab, elsewhere, carol, host2):
            recv_json(ws)
        host.send(json.dumps({"type": "whisper", "user": "bob", "text": "in show 1"}))
        for ws in (phone, tab):  # both of Bob's sockets in the show
            assert recv_until(ws, lambda f: f["type"] == "whisper")["text"] == "in show 1"
        host2.send(json.dumps({"type": "whisper", "user": "bob", "text": "in show 2"}))
        # Bob's socket in the other show gets only that show's whisper, Carol none
        assert recv_until(elsewhere, lambda f: f["type"] == "whisper")["text"] == "in show 2"
        host.send(json.dumps({"type": "whisper", "user": "carol", "text": "for carol"}))
        assert recv_until(carol, lambda f: f["type"] == "whisper")["text"] == "for carol"


def test_flooding_gets_error_frames_then_a_disconnect(gateways):
    gw = gateways(limits=Limits(frames=5, frames_window_s=10, strikes=3, strikes_window_s=10))
    with connect(gw.url(1, "flood")) as ws:
        recv_json(ws)
        for n in range(12):
            try:
                ws.send(json.dumps({"type": "ping", "id": n}))
            except ConnectionClosed:
                break
        kinds = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frame = recv_json(ws)
                kinds.append(frame.get("code") or frame["type"])
    assert kinds.count("pong") == 5 and kinds.count("rate-limited") >= 3
    assert closed.value.rcvd.code == 4429


def test_domain_rate_limit_refuses_then_disconnects(gateways):
    gw = gateways(limits=Limits(strikes=2, strikes_window_s=10))
    with connect(gw.url(1, "chatty")) as ws:
        recv_json(ws)
        for n in range(5):
            try:
                ws.send(json.dumps({"type": "limited", "id": n}))
            except ConnectionClosed:
                break
        frames = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frames.append(recv_json(ws))
    errors = [f for f in frames if f["type"] == "error"]
    assert [f["ref"] for f in frames if f["type"] == "ack"] == [0, 1]
    assert errors[0]["code"] == "rate-limited" and errors[0]["ref"] == 2
    assert closed.value.rcvd.code == 4429


def test_viewer_counts(gateways):
    gw = gateways()
    with connect(gw.url(1, "a")) as a:
        recv_json(a)
        with connect(gw.url(1, "b")) as b:
            recv_json(b)
            counts = recv_until(a, lambda f: any(ev["type"] == "viewers" and ev["data"]["concurrent"] == 2
                                                  for ev in f.get("events", ())))
        counts = recv_until(a, lambda f: any(ev["type"] == "viewers" and ev["data"]["concurrent"] == 1
                                              for ev in f.get("events", ())))
        viewers = [ev for ev in counts["events"] if ev["type"] == "viewers"][-1]["data"]
        assert viewers == {"concurrent": 1, "peak": 2, "unique": 2}
        a.send(json.dumps({"type": "counts", "id": "c"}))
        assert recv_until(a, lambda f: f["type"] == "ack")["data"] == viewers
    assert gw.handler.left.count("b") == 1


def test_graceful_stop_flushes_then_says_reconnect(gateways):
    gw = gateways()
    with connect(gw.url(1, "a")) as ws:
        recv_json(ws)
        gw.call(gw.gateway.publish, Event(1, "chat.message", {"text": "last words"}))
        gw.stop(drain=True)
        frames = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frames.append(recv_json(ws))
    chats = [ev for f in frames for ev in chat_events(f)]
    assert chats[0]["data"]["text"] == "last words"
    assert frames[-1]["type"] == "reconnect" and 500 <= frames[-1]["retry_after_ms"] <= 5000
    assert closed.value.rcvd.code == 1012


def test_stop_without_drain_closes_going_away(gateways):
    gw = gateways(room_settings())
    with connect(gw.url(1)) as ws:
        recv_json(ws)
        gw.stop(drain=False)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frame = recv_json(ws)
                assert frame["type"] != "reconnect"
    assert closed.value.rcvd.code == 1001
