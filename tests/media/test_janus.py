"""The sub-second stage: Janus supervised with the app, a mountpoint per live RTMP show, seats and tokens."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.helpers import make_product, register
from tests.media.support import host_with_show, media_pids_of, rtmp_publisher, stream_key, wait_for

pytestmark = pytest.mark.private_network


def forwarders(show_id: int) -> list[int]:
    """The ffmpeg copying the show's RTMP into Janus's RTP ports."""
    marker = f"/live/{show_id}"
    return [pid for pid in media_pids_of("ffmpeg", "rtp://127.0.0.1:")
            if marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]


def janus_pids(server) -> list[int]:
    return media_pids_of("janus", str(server.data_dir))


class Publisher:
    """A host streaming a test pattern into a show of theirs over RTMP."""

    def __init__(self, api, server) -> None:
        self.host, self.show = host_with_show(api)
        self.proc = rtmp_publisher(f"{server.rtmp}/{self.show['id']}?key={stream_key(api, self.host)}")

    def seat(self, api, actor=None, intent: str = "watch") -> httpx.Response:
        who = actor or self.host
        return api.post(f"/api/v1/shows/{self.show['id']}/webrtc", json={"intent": intent}, headers=who.headers)

    def wait_seat(self, api) -> dict:
        """The host's seat, once the mountpoint is there."""
        answer = wait_for(lambda: (r := self.seat(api)).status_code == 200 and r, timeout=20, what="a mountpoint")
        return answer.json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture()
def publisher(sapi, stage_server):
    made = Publisher(sapi, stage_server)
    yield made
    made.stop()


def janus_watch(seat: dict, *, mountpoint: int | None = None, pin: str | None = None,
                token: str | None = None) -> dict:
    """Ask Janus to watch a mountpoint as a browser would: the streaming plugin's answer (an offer or an error)."""
    tx = iter(range(1, 100))

    def call(ws, message: dict) -> dict:
        t = f"t{next(tx)}"
        ws.send(json.dumps({**message, "transaction": t, "token": token or seat["token"]}))
        while True:
            reply = json.loads(ws.recv(timeout=10))
            if reply.get("transaction") == t and reply.get("janus") != "ack":
                return reply

    with connect(seat["ws_url"], subprotocols=["janus-protocol"]) as ws:
        created = call(ws, {"janus": "create"})
        if created["janus"] == "error":
            return {"error_code": created["error"]["code"], "error": created["error"]["reason"]}
        session = created["data"]["id"]
        handle = call(ws, {"janus": "attach", "plugin": "janus.plugin.streaming", "session_id": session})["data"]["id"]
        answer = call(ws, {"janus": "message", "session_id": session, "handle_id": handle,
                           "body": {"request": "watch", "id": mountpoint or seat["mountpoint"],
                                    "pin": pin if pin is not None else seat["pin"]}})
        call(ws, {"janus": "destroy", "session_id": session})
    data = answer.get("plugindata", {}).get("data", {})
    return {**data, "offer": bool(answer.get("jsep"))}


def test_janus_starts_with_the_app_and_comes_back_after_a_kill(sapi, stage_server):
    status = sapi.get("/api/v1/webrtc/status").json()
    assert status == {"available": True, "reason": "ok", "status": "ok"}
    conf = (stage_server.data_dir / "janus" / "conf" / "janus.jcfg").read_text()
    assert "session_timeout = 15" in conf and "event_loops = 2" in conf and "token_auth = true" in conf
    ws_conf = (stage_server.data_dir / "janus" / "conf" / "janus.transport.websockets.jcfg").read_text()
    assert f"ws_port = {stage_server.janus_port}" in ws_conf
    [pid] = wait_for(lambda: janus_pids(stage_server), what="janus running")
    os.kill(pid, signal.SIGKILL)
    new = wait_for(lambda: [p for p in janus_pids(stage_server) if p != pid], timeout=15, what="janus restarted")
    assert len(new) == 1
    wait_for(lambda: sapi.get("/api/v1/webrtc/status").json()["available"], what="the stage available again")


def test_a_live_rtmp_show_gets_a_mountpoint_that_its_token_and_pin_open(sapi, publisher):
    seat = publisher.wait_seat(sapi)
    assert seat["seat"] == "host" and seat["tier"] == "webrtc"
    assert seat["mountpoint"] != publisher.show["id"]  # never guessable from the show's id
    watched = janus_watch(seat)
    assert watched.get("result", {}).get("status") == "preparing" and watched["offer"], watched
    # Without the pin, with a wrong one, or with a forged token: nothing.
    assert janus_watch(seat, pin="")["error_code"] == 457  # no pin: unauthorized
    assert janus_watch(seat, pin="guess")["error_code"] == 457
    forged = seat["token"].rsplit(":", 1)[0] + ":AAAA"
    assert janus_watch(seat, token=forged)["error_code"] == 403  # token auth: unauthorized request


def test_a_token_and_pin_for_one_show_do_not_open_another(sapi, stage_server):
    first, second = Publisher(sapi, stage_server), Publisher(sapi, stage_server)
    try:
        seat_a, seat_b = first.wait_seat(sapi), second.wait_seat(sapi)
        assert seat_a["mountpoint"] != seat_b["mountpoint"] and seat_a["pin"] != seat_b["pin"]
        refused = janus_watch(seat_a, mountpoint=seat_b["mountpoint"])
        assert refused["error_code"] == 457 and not refused["offer"], refused
        assert janus_watch(seat_b)["offer"]
    finally:
        first.stop()
        second.stop()


def test_the_front_row_fills_then_opens_to_buyers_up_to_the_cap(sapi, publisher):
    publisher.wait_seat(sapi)
    anonymous = sapi.post(f"/api/v1/shows/{publisher.show['id']}/webrtc", json={})
    assert anonymous.status_code == 401
    first, second, third = (register(sapi) for _ in range(3))
    taken = publisher.seat(sapi, first)
    assert taken.status_code == 200 and taken.json()["seat"] == "front_row"
    assert publisher.seat(sapi, first).json()["seat"] == "front_row"  # renewing keeps the seat
    full = publisher.seat(sapi, second)
    assert full.status_code == 409 and full.json()["reason"] == "front_row_full", full.text
    buyer = publisher.seat(sapi, second, intent="buy")
    assert buyer.status_code == 200 and buyer.json()["seat"] == "buyer"
    capped = publisher.seat(sapi, third, intent="buy")
    assert capped.status_code == 409 and capped.json()["reason"] == "show_full"
    # The host is never counted against the cap; a viewer who leaves frees a seat.
    assert publisher.seat(sapi).json()["seat"] == "host"
    assert sapi.delete(f"/api/v1/shows/{publisher.show['id']}/webrtc", headers=first.headers).status_code == 204
    assert publisher.seat(sapi, third, intent="buy").status_code == 200
    bad = sapi.post(f"/api/v1/shows/{publisher.show['id']}/webrtc", json={"intent": "steal"}, headers=third.headers)
    assert bad.status_code == 422 and "intent" in bad.text


def _stage_figures(api, publisher, actor=None) -> dict:
    response = api.get(f"/api/v1/shows/{publisher.show['id']}/webrtc", headers=(actor or publisher.host).headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_viewer_whose_browser_vanishes_stops_being_served_within_seconds(sapi, publisher):
    seat = publisher.wait_seat(sapi)
    assert _stage_figures(sapi, publisher)["viewers"] == 0
    with connect(seat["ws_url"], subprotocols=["janus-protocol"]) as ws:
        tx = iter(range(1, 100))

        def call(message: dict) -> dict:
            t = f"t{next(tx)}"
            ws.send(json.dumps({**message, "transaction": t, "token": seat["token"]}))
            while (reply := json.loads(ws.recv(timeout=10))).get("transaction") != t or reply.get("janus") == "ack":
                pass
            return reply

        session = call({"janus": "create"})["data"]["id"]
        handle = call({"janus": "attach", "plugin": "janus.plugin.streaming", "session_id": session})["data"]["id"]
        watching = call({"janus": "message", "session_id": session, "handle_id": handle,
                         "body": {"request": "watch", "id": seat["mountpoint"], "pin": seat["pin"]}})
        assert watching.get("jsep"), watching
        assert wait_for(lambda: _stage_figures(sapi, publisher)["viewers"] == 1, what="the viewer counted")
        ws.socket.close()  # the phone drops off the network: no goodbye, no destroy
    vanished = time.monotonic()
    wait_for(lambda: _stage_figures(sapi, publisher)["viewers"] == 0, timeout=10, what="the vanished viewer dropped")
    assert time.monotonic() - vanished < 10
    stranger = register(sapi)
    assert sapi.get(f"/api/v1/shows/{publisher.show['id']}/webrtc", headers=stranger.headers).status_code == 403


def test_the_mountpoint_is_destroyed_when_the_stream_stops(sapi, publisher, stage_server):
    seat = publisher.wait_seat(sapi)
    assert wait_for(lambda: forwarders(publisher.show["id"]), what="the RTP forwarder")
    publisher.stop()
    wait_for(lambda: not forwarders(publisher.show["id"]), what="the forwarder stopped")
    gone = wait_for(lambda: (w := janus_watch(seat)).get("error_code") and w, timeout=15, what="mountpoint gone")
    assert gone["error_code"] == 455, gone  # no such mountpoint
    refused = publisher.seat(sapi)
    assert refused.status_code == 409 and refused.json()["reason"] == "not_live"


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
PLAYING = ("(() => { const v = document.getElementById('video'); return v.videoWidth > 0 && v.currentTime > 0.5 "
           "&& !v.paused; })()")


def screenshots() -> Path:
    """var/test-artifacts/screenshots (or $LIVESTALL_TEST_ARTIFACTS/screenshots), as the web tests keep them."""
    default = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
    root = Path(os.environ.get("LIVESTALL_TEST_ARTIFACTS", default))
    (root / "screenshots").mkdir(parents=True, exist_ok=True)
    return root / "screenshots"


def tier_of(page) -> str | None:
    return page.evaluate("document.getElementById('video').dataset.tier || null")


def card_times(pages: dict, title: str, timeout: float = 15.0) -> dict[str, float]:
    """Seconds from now until each page shows the pinned product's card on its video."""
    start, shown = time.monotonic(), {}
    check = f"(document.querySelector('[data-phone-pinned]:not([hidden])')?.textContent || '').includes({title!r})"
    while len(shown) < len(pages) and time.monotonic() - start < timeout:
        for name, page in pages.items():
            if name not in shown and page.evaluate(check):
                shown[name] = time.monotonic() - start
        time.sleep(0.05)
    assert len(shown) == len(pages), shown
    return shown


def advancing(page, seconds: float = 1.5) -> float:
    """How far the video's clock moved in `seconds` of wall time."""
    first = page.evaluate("document.getElementById('video').currentTime")
    page.wait_for_timeout(seconds * 1000)
    return page.evaluate("document.getElementById('video').currentTime") - first


def test_phone_viewers_front_row_on_webrtc_the_rest_on_hls_and_back_to_hls_without_janus(
        sapi, publisher, stage_server, browser):
    from tests.web.support import logged_in_page, until

    publisher.wait_seat(sapi)
    product = make_product(sapi, publisher.host, publisher.show["shop_id"], title="Pearl earrings")
    front, late = register(sapi), register(sapi)
    path = f"/shows/{publisher.show['id']}"
    ctx_front, page_front = logged_in_page(browser, stage_server.url, front, path, **PHONE)
    ctx_late, page_late = logged_in_page(browser, stage_server.url, late, path, **PHONE)
    try:
        # The first logged-in viewer sits in the front row (of one): the same <video> plays WebRTC.
        until(page_front, "document.getElementById('video').dataset.tier === 'webrtc'", timeout=30)
        until(page_front, PLAYING, timeout=15)
        assert page_front.evaluate("window.livestallShow.player.tier") == "webrtc"
        assert page_front.evaluate("document.getElementById('video').srcObject !== null")
        assert advancing(page_front) > 0.8
        # The picture clock of this tier is the server's now: commerce events wait for nothing.
        behind = page_front.evaluate("Date.now() - window.livestallShow.player.pictureTime()")
        assert -2000 < behind < 1000, behind
        page_front.screenshot(path=str(screenshots() / "stage-webrtc-phone.png"))

        # The next one is beyond the front row: HLS, as every viewer had before.
        until(page_late, PLAYING, timeout=30)
        page_late.wait_for_timeout(1500)
        assert tier_of(page_late) in (None, "hls")
        assert page_late.evaluate("window.livestallShow.player.hls !== null")
        assert advancing(page_late) > 0.8
        # What the host does shows on each phone with its own picture: at once on WebRTC, seconds later on HLS.
        pinned = sapi.post(f"/api/v1/shows/{publisher.show['id']}/pins", headers=publisher.host.headers,
                           json={"product_id": product["id"]})
        assert pinned.status_code == 200, pinned.text
        shown = card_times({"webrtc": page_front, "hls": page_late}, "Pearl earrings")
        assert shown["webrtc"] < 1.0 and shown["hls"] > shown["webrtc"] + 0.8, shown

        # Opening a buy sheet (or any `livestall:front-row`) says they mean to buy: a buyer's seat, WebRTC.
        page_late.evaluate("document.dispatchEvent(new CustomEvent('livestall:front-row'))")
        until(page_late, "document.getElementById('video').dataset.tier === 'webrtc'", timeout=30)
        until(page_late, PLAYING, timeout=15)

        # Janus dies: both fall back to HLS and keep playing (and Janus is started again).
        page_front.evaluate("window.__tiers = []; document.getElementById('video').addEventListener('playertier', "
                            "(e) => window.__tiers.push([Date.now(), e.detail.tier, e.detail.reason]))")
        [pid] = janus_pids(stage_server)
        os.kill(pid, signal.SIGKILL)
        until(page_front, "document.getElementById('video').dataset.tier === 'hls'", timeout=20)
        until(page_front, "window.livestallShow.player.hls !== null", timeout=10)
        until(page_front, PLAYING, timeout=20)
        assert advancing(page_front) > 0.8
        # The restarted Janus gets the live show's mountpoint again, and the front row its WebRTC.
        assert janus_watch(publisher.wait_seat(sapi))["offer"]
        until(page_front, "document.getElementById('video').dataset.tier === 'webrtc'", timeout=45)
        tiers = [tier for _at, tier, _why in page_front.evaluate("window.__tiers")]
        assert tiers[0] == "hls" and tiers[-1] == "webrtc", tiers
        assert page_front.errors == [] and page_late.errors == []
    finally:
        ctx_front.close()
        ctx_late.close()


def test_the_hosts_studio_preview_is_on_the_stage_and_says_so(sapi, publisher, stage_server, browser):
    from tests.web.support import logged_in_page, until

    publisher.wait_seat(sapi)
    context, page = logged_in_page(browser, stage_server.url, publisher.host, f"/studio/shows/{publisher.show['id']}",
                                   viewport={"width": 1280, "height": 900})
    try:
        until(page, "!document.querySelector('[data-stage-status]').hidden")
        assert "Sub-second stage on" in page.text_content("[data-stage-status]")
        page.click("#rtmp-tab")
        until(page, "document.querySelector('[data-rtmp-preview]').dataset.tier === 'webrtc'", timeout=30)
        until(page, "document.querySelector('[data-stage-tier]').textContent.includes('WebRTC')")
        until(page, PLAYING.replace("document.getElementById('video')", "document.querySelector('[data-rtmp-preview]')"))
        page.screenshot(path=str(screenshots() / "stage-studio-preview.png"), full_page=True)
        assert page.errors == []
    finally:
        context.close()
    # On a phone the OBS panel is under "More": the line fits the screen there too.
    context, page = logged_in_page(browser, stage_server.url, publisher.host, f"/studio/shows/{publisher.show['id']}",
                                   **PHONE)
    try:
        page.click("[data-ph-more]")
        page.click("#rtmp-tab")
        until(page, "document.querySelector('[data-stage-tier]').textContent.includes('WebRTC')", timeout=30)
        until(page, PLAYING.replace("document.getElementById('video')", "document.querySelector('[data-rtmp-preview]')"))
        line = page.locator("[data-stage-status]")
        line.scroll_into_view_if_needed()
        box = line.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        page.screenshot(path=str(screenshots() / "stage-studio-phone.png"))
        assert page.errors == []
    finally:
        context.close()
