"""Going live from a browser: Chromium's fake camera, the go-live socket's checks, a crashed ffmpeg restarted."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.helpers import register
from tests.media.support import host_with_show, media_pids, playlist, segment_names, wait_for


def _ws_url(server, show_id: int) -> str:
    return server.url.replace("http://", "ws://") + f"/ws/studio/shows/{show_id}/ingest"


def _refusal(server, show_id: int, chunks: list[bytes], token: str | None = None, **kwargs) -> tuple[dict, int]:
    """Send chunks on the go-live socket; return the error frame and the close code."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    frame: dict = {}
    with connect(_ws_url(server, show_id), additional_headers=headers, **kwargs) as ws:
        try:
            for chunk in chunks:
                ws.send(chunk)
        except ConnectionClosed:
            pass  # refused before the chunks were all sent
        try:
            while not frame or frame.get("type") == "ready":
                frame = json.loads(ws.recv(timeout=15))
            ws.recv(timeout=15)
        except ConnectionClosed:
            pass
        return frame, ws.close_code


class Feeder(threading.Thread):
    """Sends a recording over the go-live socket at its own pace, as MediaRecorder's timeslices would."""

    def __init__(self, url: str, token: str, data: bytes, seconds: float) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.data, self.seconds = url, token, data, seconds
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        step = max(1, int(len(self.data) / self.seconds / 4))  # a quarter second of media per message
        try:
            with connect(self.url, additional_headers={"Authorization": f"Bearer {self.token}"}) as ws:
                for offset in range(0, len(self.data), step):
                    if self.stop.is_set():
                        break
                    ws.send(self.data[offset:offset + step])
                    if offset == 0:
                        assert json.loads(ws.recv(timeout=15))["type"] == "ready"
                        self.ready.set()
                    time.sleep(0.25)
        except BaseException as exc:  # surfaced by the test
            self.error = exc


def test_chromium_fake_camera_goes_live(mapi, media_server, browser):
    host, show = host_with_show(mapi)
    context = browser.new_context()
    context.add_cookies([{"name": "livestall_session", "value": host.token, "url": media_server.url}])
    page = context.new_page()
    try:
        page.goto(f"{media_server.url}/studio/shows/{show['id']}/go-live")
        page.wait_for_function("window.livestallStudio && window.livestallStudio.state === 'camera'", timeout=15000)
        assert page.evaluate("window.livestallStudio.mimeType") == "video/webm;codecs=h264,opus"
        page.click("#golive")
        page.wait_for_selector("#state[data-state='live']", timeout=60000)
        wait_for(lambda: len(segment_names(playlist(mapi, show["id"]))) >= 2, timeout=25, what="HLS from the browser")
        live = mapi.get(f"/api/v1/shows/{show['id']}").json()
        assert (live["status"], live["stream_state"]) == ("live", "live")
        segment = mapi.get(f"/hls/{show['id']}/{segment_names(playlist(mapi, show['id']))[0]}")
        assert segment.headers["content-type"] == "video/mp2t" and segment.content[:1] == b"\x47"
        # the camera switch starts a new recording on the same socket; video keeps coming
        page.click("#flip")
        before = segment_names(playlist(mapi, show["id"]))[-1]
        wait_for(lambda: segment_names(playlist(mapi, show["id"]))[-1] != before, timeout=15, what="video after flip")
        page.click("#stop")
        wait_for(lambda: mapi.get(f"/api/v1/shows/{show['id']}").json()["stream_state"] == "reconnecting",
                 timeout=10, what="reconnecting after stop")
    finally:
        context.close()


def test_crashed_ffmpeg_is_restarted(mapi, media_server, webm_files):
    host, show = host_with_show(mapi)
    feeder = Feeder(_ws_url(media_server, show["id"]), host.token, webm_files["h264"].read_bytes(), 20)
    feeder.start()
    try:
        assert feeder.ready.wait(20), feeder.error
        wait_for(lambda: len(segment_names(playlist(mapi, show["id"]))) >= 2, timeout=15, what="HLS")
        marker = f"/hls/{show['id']}/"
        (pid,) = wait_for(lambda: media_pids(marker), timeout=5, what="the show's ffmpeg")
        before = set(segment_names(playlist(mapi, show["id"])))
        os.kill(pid, signal.SIGKILL)
        new_pid = wait_for(lambda: [p for p in media_pids(marker) if p != pid], timeout=10, what="a new ffmpeg")
        assert new_pid
        fresh = wait_for(lambda: set(segment_names(playlist(mapi, show["id"]))) - before - {""}, timeout=15,
                         what="segments from the restarted ffmpeg")
        # the restarted ffmpeg writes under a new prefix: nothing the replay keeps is overwritten
        assert {name.split("-")[0] for name in fresh} - {name.split("-")[0] for name in before}
        assert "exited with -9; restarting" in media_server.log()
        assert mapi.get(f"/api/v1/shows/{show['id']}").json()["stream_state"] == "live"
    finally:
        feeder.stop.set()
        feeder.join(10)


def test_go_live_socket_refuses_bad_input(mapi, media_server, webm_files):
    host, show = host_with_show(mapi)
    header = webm_files["h264"].read_bytes()[:4096]
    frame, code = _refusal(media_server, show["id"], [b"GIF89a not a video at all"], host.token)
    assert code == 4422 and frame["errors"][0]["rule"] == "webm"
    frame, code = _refusal(media_server, show["id"], [header + b"\0" * 600 * 1024], host.token)
    assert code == 4413 and frame["errors"][0]["rule"] == "max_size"
    stranger = register(mapi, roles=["host", "seller"])
    frame, code = _refusal(media_server, show["id"], [header], stranger.token)
    assert code == 4403
    frame, code = _refusal(media_server, show["id"], [header])
    assert code == 4401
    frame, code = _refusal(media_server, show["id"], [header], host.token, origin="https://evil.example")
    assert code == 4403 and "page" in frame["detail"]
    frame, code = _refusal(media_server, 99999999, [header], host.token)
    assert code == 4404
    # none of it started or disturbed the show
    assert mapi.get(f"/api/v1/shows/{show['id']}").json()["status"] == "scheduled"


def test_transcodes_are_capped_and_a_second_publisher_refused(mapi, media_server, webm_files):
    host, show = host_with_show(mapi)
    other_host, other_show = host_with_show(mapi)
    vp8 = webm_files["vp8"].read_bytes()
    feeder = Feeder(_ws_url(media_server, show["id"]), host.token, vp8, 4)  # takes the one transcode slot
    feeder.start()
    try:
        assert feeder.ready.wait(20), feeder.error
        frame, code = _refusal(media_server, other_show["id"], [vp8[:8192]], other_host.token)
        assert code == 4429 and "H.264" in frame["detail"]
        frame, code = _refusal(media_server, show["id"], [vp8[:8192]], host.token)
        assert code == 4409 and frame["errors"][0]["rule"] == "one_publisher"
    finally:
        feeder.stop.set()
        feeder.join(10)
    assert mapi.get(f"/api/v1/shows/{other_show['id']}").json()["status"] == "scheduled"


@pytest.fixture(autouse=True)
def _no_stray_feeders():
    yield
    time.sleep(0.2)
