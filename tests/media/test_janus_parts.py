"""The sub-second stage's parts without a server: seats under caps, signed tokens, config, a missing Janus."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from livestall.media.janus import UNAVAILABLE, JanusProcess, sign_token, write_config
from livestall.media.webrtc_seats import SeatRefused, Seats
from livestall.settings import Settings


def seats(**caps) -> Seats:
    return Seats(**{"front_row": 2, "show_cap": 3, "machine_cap": 4, "ttl_s": 90, **caps})


def test_first_viewers_fill_the_front_row_then_buyers_up_to_the_show_cap():
    room = seats()
    assert [room.take(1, user, role=None, intent=False, now=0).kind for user in (10, 11)] == ["front_row"] * 2
    with pytest.raises(SeatRefused) as refused:
        room.take(1, 12, role=None, intent=False, now=0)
    assert refused.value.reason == "front_row_full"
    assert room.take(1, 12, role=None, intent=True, now=0).kind == "buyer"
    with pytest.raises(SeatRefused) as capped:
        room.take(1, 13, role=None, intent=True, now=0)
    assert capped.value.reason == "show_full"
    assert room.take(1, 1, role="host", intent=False, now=0).kind == "host"  # staff never wait
    assert room.take(1, 2, role="moderator", intent=False, now=0).kind == "moderator"


def test_the_machine_cap_spans_shows_and_silent_viewers_free_their_seats():
    room = seats(machine_cap=3)
    for user in (10, 11, 12):
        room.take(user, user, role=None, intent=False, now=0)  # three shows, one viewer each
    with pytest.raises(SeatRefused) as full:
        room.take(4, 13, role=None, intent=False, now=0)
    assert full.value.reason == "machine_full"
    room.take(10, 10, role=None, intent=False, now=60)  # renewed: kept
    assert room.take(4, 13, role=None, intent=False, now=91).kind == "front_row"  # 11 and 12 stopped renewing
    assert room.taken(now=91) == 2
    room.clear(4)
    assert room.taken(now=91) == 1


def test_tokens_are_janus_hmac_signed_and_expire():
    token, expires = sign_token("s3cret", 90, now=1_000)
    data, signature = token.split(":")
    assert data == "1090,janus,janus.plugin.streaming" and expires == 1090
    expected = base64.b64encode(hmac.new(b"s3cret", data.encode(), hashlib.sha1).digest()).decode()
    assert signature == expected


def test_without_janus_the_stage_says_so(tmp_path):
    missing = JanusProcess(Settings(data_dir=tmp_path, janus_path=str(tmp_path / "no-janus")))
    assert not missing.installed and missing.reason() == "not_installed"
    assert missing.status() == UNAVAILABLE == "sub-second stage unavailable: Janus is not installed"
    off = JanusProcess(Settings(data_dir=tmp_path, janus_enabled=False))
    assert off.reason() == "off"


def test_the_config_keeps_janus_to_the_streaming_plugin_and_websockets(tmp_path):
    lib = tmp_path / "lib"
    for folder, name in (("plugins", "libjanus_streaming.so"), ("transports", "libjanus_websockets.so")):
        (lib / folder).mkdir(parents=True)
        (lib / folder / name).write_bytes(b"")
        (lib / folder / "libjanus_other.so").write_bytes(b"")
    settings = Settings(data_dir=tmp_path, port=9000, janus_session_timeout_s=12, janus_event_loops=3,
                        janus_nat_1_1="203.0.113.7")
    conf = write_config(settings, lib, admin_key="adm", token_secret="tok").read_text()
    assert "session_timeout = 12" in conf and "event_loops = 3" in conf and 'token_auth_secret = "tok"' in conf
    assert 'nat_1_1_mapping = "203.0.113.7"' in conf and "ice_consent_freshness = true" in conf
    root = tmp_path / "janus"
    assert [p.name for p in (root / "plugins").iterdir()] == ["libjanus_streaming.so"]
    assert [p.name for p in (root / "transports").iterdir()] == ["libjanus_websockets.so"]
    assert "ws_port = 9002" in (root / "conf" / "janus.transport.websockets.jcfg").read_text()
    assert 'admin_key = "adm"' in (root / "conf" / "janus.plugin.streaming.jcfg").read_text()
