"""The sub-second stage for shows that go live from the browser: H.264 forwarded into Janus, VP8/VP9 on HLS only."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.helpers import register
from tests.media.support import host_with_show, media_pids_of, wait_for
from tests.media.test_browser_ingest import Feeder, _ws_url
from tests.media.test_janus import PHONE, PLAYING, advancing, janus_watch, screenshots

pytestmark = pytest.mark.private_network


def browser_forwarders(show_id: int) -> list[tuple[int, list[str]]]:
    """The ffmpeg reading the show's WebM on stdin and sending RTP to Janus (known by the log it writes to)."""
    found = []
    for pid in media_pids_of("ffmpeg", "rtp://127.0.0.1:"):
        try:
            logfile = os.readlink(f"/proc/{pid}/fd/2")
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if logfile.endswith(f"/forward-{show_id}.log") and "pipe:0" in argv:
            found.append((pid, argv))
    return found


def seat_of(api, show_id: int, actor):
    return api.post(f"/api/v1/shows/{show_id}/webrtc", json={"intent": "watch"}, headers=actor.headers)


def test_a_phone_in_the_front_row_plays_a_browser_h264_show_over_webrtc(sapi, stage_server, browser):  # noqa: F811
    from tests.web.support import logged_in_page, until

    host, show = host_with_show(sapi)
    show_id = show["id"]
    studio_ctx, studio = logged_in_page(browser, stage_server.url, host, f"/studio/shows/{show_id}/go-live")
    viewer = register(sapi)
    phone_ctx = None
    try:
        until(studio, "window.livestallStudio && window.livestallStudio.state === 'camera'", timeout=15)
        assert studio.evaluate("window.livestallStudio.mimeType") == "video/webm;codecs=h264,opus"
        studio.click("#golive")
        until(studio, "document.querySelector('#state').dataset.state === 'live'", timeout=60)

        # The browser's H.264 gets a mountpoint: the video copied, the browser's Opus copied too (no transcode).
        seat = wait_for(lambda: (r := seat_of(sapi, show_id, host)).status_code == 200 and r.json(), timeout=30,
                        what="a mountpoint for the browser stream")
        assert seat["tier"] == "webrtc" and seat["seat"] == "host"
        [(pid, argv)] = wait_for(lambda: browser_forwarders(show_id), what="the browser stream's RTP forwarder")
        assert argv[argv.index("-c:v") + 1] == "copy" and argv[argv.index("-c:a") + 1] == "copy", argv
        assert janus_watch(seat)["offer"]

        # A viewer on a phone, first in the front row, watches the same <video> over WebRTC, frames advancing.
        phone_ctx, phone = logged_in_page(browser, stage_server.url, viewer, f"/shows/{show_id}", **PHONE)
        until(phone, "document.getElementById('video').dataset.tier === 'webrtc'", timeout=30)
        until(phone, PLAYING, timeout=20)
        assert phone.evaluate("window.livestallShow.player.tier") == "webrtc"
        assert phone.evaluate("document.getElementById('video').srcObject !== null")
        assert advancing(phone) > 0.8
        # The sound comes too, on a stream of its own (the picture is not held back to lip-sync with it).
        until(phone, "document.getElementById('video').srcObject.getAudioTracks().some((t) => !t.muted)", timeout=10)
        assert seat_of(sapi, show_id, viewer).json()["seat"] == "front_row"
        phone.screenshot(path=str(screenshots() / "stage-browser-h264-phone.png"))

        # The forwarder crashes: it is started again on the recording's header (the sound re-encoded from then on).
        os.kill(pid, signal.SIGKILL)
        [(pid, argv)] = wait_for(lambda: [f for f in browser_forwarders(show_id) if f[0] != pid], timeout=15,
                                 what="the forwarder restarted")
        assert argv[argv.index("-c:a") + 1] == "libopus", argv
        phone.wait_for_timeout(2000)
        assert phone.evaluate("document.getElementById('video').dataset.tier") == "webrtc"
        assert advancing(phone) > 0.8

        # The host switches camera: a new recording on the same socket; the front row keeps its WebRTC picture.
        studio.click("#flip")
        wait_for(lambda: [p for p, _ in browser_forwarders(show_id) if p != pid], timeout=15,
                 what="the forwarder started again on the new recording's header")
        phone.wait_for_timeout(2000)
        assert phone.evaluate("document.getElementById('video').dataset.tier") == "webrtc"
        assert advancing(phone) > 0.8

        # The host stops: the forwarder ends, the mountpoint is destroyed and seats are refused.
        studio.click("#stop")
        wait_for(lambda: not browser_forwarders(show_id), timeout=15, what="the forwarder stopped")
        gone = wait_for(lambda: (w := janus_watch(seat)).get("error_code") and w, timeout=15, what="mountpoint gone")
        assert gone["error_code"] == 455, gone  # no such mountpoint
        refused = seat_of(sapi, show_id, host)
        assert refused.status_code == 409 and refused.json()["reason"] == "not_live", refused.text
        assert studio.errors == [] and phone.errors == []
    finally:
        studio_ctx.close()
        if phone_ctx is not None:
            phone_ctx.close()


def test_a_vp8_browser_stream_stays_on_hls_and_the_seat_says_why(sapi, stage_server, webm_files):  # noqa: F811
    host, show = host_with_show(sapi)
    feeder = Feeder(_ws_url(stage_server, show["id"]), host.token, webm_files["vp8"].read_bytes(), 8)
    feeder.start()
    try:
        assert feeder.ready.wait(20), feeder.error
        refused = wait_for(lambda: (r := seat_of(sapi, show["id"], host)).status_code == 409
                           and r.json()["reason"] != "not_live" and r, timeout=15, what="the seat's answer")
        assert refused.json()["reason"] == "not_h264", refused.text
        assert "VP8/VP9" in refused.json()["detail"]
        assert not browser_forwarders(show["id"])
        assert sapi.get(f"/api/v1/shows/{show['id']}").json()["stream_state"] == "live"  # HLS goes on
    finally:
        feeder.stop.set()
        feeder.join(10)
