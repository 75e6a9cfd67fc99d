"""The studio publishes the camera over WebRTC into Janus: the front row, the HLS and the replay come from it, and the
studio falls back to MediaRecorder over its WebSocket when WebRTC cannot be used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.helpers import register
from tests.media.support import host_with_show, media_pids_of, wait_for
from tests.media.test_janus import PHONE, PLAYING, advancing, janus_watch, screenshots
from tests.web.test_phone_studio import last_segment_size

pytestmark = pytest.mark.private_network

STUDIO_LIVE = "document.body.dataset.ingest === 'live'"
# A browser whose WebRTC cannot send H.264 (as some Android builds): it says so in its capabilities.
NO_H264 = """
const own = RTCRtpSender.getCapabilities.bind(RTCRtpSender);
RTCRtpSender.getCapabilities = (kind) => {
  const caps = own(kind);
  return kind === "video" ? { ...caps, codecs: caps.codecs.filter((c) => !/h264/i.test(c.mimeType)) } : caps;
};
"""
# A network that lets the page through but not Janus's WebSocket (a firewall on its port).
JANUS_BLOCKED = """
const OwnSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {
  return new OwnSocket(String(url).includes(":%d") ? "ws://127.0.0.1:9/" : url, protocols);
};
window.WebSocket.prototype = OwnSocket.prototype;
Object.assign(window.WebSocket, { OPEN: 1, CLOSED: 3, CONNECTING: 0, CLOSING: 2 });
"""


def studio_page(browser, server, actor, show_id: int, init_script: str = "", **options):
    """The host's studio of the show in a fresh context, with `init_script` run before the page's own scripts."""
    context = browser.new_context(base_url=server.url, **options)
    context.add_cookies([{"name": "livestall_session", "value": actor.token, "url": server.url, "httpOnly": True,
                          "sameSite": "Lax"}])
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"/studio/shows/{show_id}")
    return context, page


def hls_ingests(show_id: int) -> list[list[str]]:
    """The ffmpeg command lines writing the show's HLS from the forwarded WebRTC (an SDP) or the recorder (stdin)."""
    found = []
    for pid in media_pids_of("ffmpeg", f"/{show_id}/index.m3u8"):
        try:
            found.append(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0"))
        except OSError:
            continue
    return found


def janus_attach(ws_url: str, token: str, plugin: str, body: dict | None = None) -> dict:
    """Create a session and attach `plugin` with `token`, then send `body`: Janus's error, or the plugin's answer."""
    tx = iter(range(1, 100))

    def call(ws, message: dict) -> dict:
        t = f"t{next(tx)}"
        ws.send(json.dumps({**message, "transaction": t, "token": token}))
        while True:
            reply = json.loads(ws.recv(timeout=10))
            if reply.get("transaction") == t and reply.get("janus") != "ack":
                return reply

    with connect(ws_url, subprotocols=["janus-protocol"]) as ws:
        created = call(ws, {"janus": "create"})
        if created["janus"] == "error":
            return {"error_code": created["error"]["code"]}
        session = created["data"]["id"]
        attached = call(ws, {"janus": "attach", "plugin": plugin, "session_id": session})
        if attached["janus"] == "error":
            return {"error_code": attached["error"]["code"]}
        answer = {}
        if body is not None:
            answer = call(ws, {"janus": "message", "session_id": session, "handle_id": attached["data"]["id"],
                               "body": body})
        call(ws, {"janus": "destroy", "session_id": session})
    if answer.get("janus") == "error":
        return {"error_code": answer["error"]["code"]}
    return answer.get("plugindata", {}).get("data", {})


def test_only_the_host_opens_a_room_and_its_token_opens_nothing_else(sapi, stage_server):
    host, show = host_with_show(sapi)
    url = f"/api/v1/shows/{show['id']}/webrtc-publish"
    assert sapi.post(url).status_code == 401
    stranger = register(sapi, roles=["seller", "host"])
    refused = sapi.post(url, headers=stranger.headers)
    assert refused.status_code == 403, refused.text
    ticket = sapi.post(url, headers=host.headers)
    assert ticket.status_code == 200, ticket.text
    ticket = ticket.json()
    assert ticket["room"] != show["id"] and ticket["publisher_id"] and ticket["pin"]
    assert ticket["ws_url"].endswith(f":{stage_server.janus_port}")
    # One publisher at a time: a second room, or the recorder's socket, is refused while this one is held.
    again = sapi.post(url, headers=host.headers)
    assert again.status_code == 409 and "one_publisher" in again.text, again.text

    # The videoroom is closed to anyone but the app: the studio's token may not open rooms, nor watch the stage.
    made = janus_attach(ticket["ws_url"], ticket["token"], "janus.plugin.videoroom",
                        {"request": "create", "room": 4242, "publishers": 1})
    assert made.get("error_code"), made
    forward = janus_attach(ticket["ws_url"], ticket["token"], "janus.plugin.videoroom",
                           {"request": "rtp_forward", "room": ticket["room"], "publisher_id": 1,
                            "host": "127.0.0.1", "video_port": 5004})
    assert forward.get("error_code"), forward
    assert janus_attach(ticket["ws_url"], ticket["token"], "janus.plugin.streaming")["error_code"] == 405
    forged = ticket["token"].rsplit(":", 1)[0] + ":AAAA"
    assert janus_attach(ticket["ws_url"], forged, "janus.plugin.videoroom")["error_code"] == 403
    conf = (stage_server.data_dir / "janus" / "conf" / "janus.plugin.videoroom.jcfg").read_text()
    assert "lock_rtp_forward = true" in conf and "admin_key" in conf

    # Another account cannot renew or stop it; the host stops it and may open a new room at once.
    assert sapi.post(f"{url}/renew", headers=stranger.headers).status_code == 403
    renewed = sapi.post(f"{url}/renew", headers=host.headers)
    assert renewed.status_code == 200 and renewed.json()["room"] == ticket["room"]
    wrong = sapi.post(f"{url}/live", headers=host.headers, json={"room": ticket["room"] + 1})
    assert wrong.status_code == 409 and "current_room" in wrong.text
    bad = sapi.post(f"{url}/live", headers=host.headers, json={"room": "x"})
    assert bad.status_code == 422 and "room" in bad.text
    assert sapi.delete(url, headers=host.headers).status_code == 204
    gone = janus_attach(ticket["ws_url"], ticket["token"], "janus.plugin.videoroom",
                        {"request": "exists", "room": ticket["room"]})
    assert gone.get("exists") is False, gone
    assert sapi.post(url, headers=host.headers).status_code == 200
    assert sapi.delete(url, headers=host.headers).status_code == 204


def test_the_studio_goes_live_over_webrtc_for_the_front_row_hls_and_the_replay(sapi, stage_server, browser,
                                                                              tmp_path):
    from tests.web.support import logged_in_page, until

    host, show = host_with_show(sapi)
    show_id = show["id"]
    studio_ctx, studio = studio_page(browser, stage_server, host, show_id, **PHONE)
    contexts = [studio_ctx]
    try:
        until(studio, "document.body.dataset.ingest === 'camera'", timeout=20)
        studio.click("[data-golive]")
        until(studio, STUDIO_LIVE, timeout=40)
        assert studio.evaluate("document.body.dataset.ingestPath") == "webrtc"
        pill = studio.locator(".phone-stage [data-golive-path]")
        assert pill.is_visible() and "WebRTC" in pill.text_content()
        box = pill.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        studio.screenshot(path=str(screenshots() / "publish-studio-webrtc-phone.png"))

        # The HLS is made from the forwarded RTP (an SDP, video copied): no recorder socket, no stdin.
        [argv] = wait_for(lambda: hls_ingests(show_id), timeout=15, what="the HLS ffmpeg")
        assert any(a.endswith("webrtc.sdp") for a in argv) and "pipe:0" not in argv, argv
        assert argv[argv.index("-c:v") + 1] == "copy", argv
        assert sapi.get(f"/api/v1/shows/{show_id}").json()["stream_state"] == "live"

        # The host's seat opens the show's mountpoint, fed by the room itself.
        seat = wait_for(lambda: (r := sapi.post(f"/api/v1/shows/{show_id}/webrtc", json={"intent": "watch"},
                                                headers=host.headers)).status_code == 200 and r.json(),
                        timeout=15, what="the host's seat")
        assert janus_watch(seat)["offer"]

        # A phone viewer in the front row plays it over WebRTC.
        viewer = register(sapi)
        phone_ctx, phone = logged_in_page(browser, stage_server.url, viewer, f"/shows/{show_id}", **PHONE)
        contexts.append(phone_ctx)
        until(phone, "document.getElementById('video').dataset.tier === 'webrtc'", timeout=30)
        until(phone, PLAYING, timeout=20)
        assert advancing(phone) > 0.8
        assert phone.evaluate("document.getElementById('video').videoHeight") > 0
        phone.screenshot(path=str(screenshots() / "publish-front-row-phone.png"))

        # Someone not logged in gets the HLS, made from the same stream.
        anon_ctx = browser.new_context(base_url=stage_server.url, **PHONE)
        contexts.append(anon_ctx)
        anon = anon_ctx.new_page()
        anon.errors = []
        anon.on("pageerror", lambda exc: anon.errors.append(str(exc)))
        anon.goto(f"/shows/{show_id}")
        until(anon, PLAYING, timeout=40)
        assert anon.evaluate("document.getElementById('video').dataset.tier || 'hls'") == "hls"
        assert advancing(anon) > 0.8
        # Viewers get the camera's own picture, upright as the phone is held, not a size the link squeezed it to.
        camera = studio.evaluate("(v => [v.videoWidth, v.videoHeight])(document.querySelector('[data-preview]'))")
        assert camera[1] > camera[0], camera
        assert last_segment_size(sapi, show_id, tmp_path) == tuple(camera)

        # Switching camera keeps the same PeerConnection: the front row keeps its picture.
        studio.click("[data-ph-flip]")
        studio.wait_for_timeout(2000)
        assert studio.evaluate("document.body.dataset.ingest") == "live"
        assert phone.evaluate("document.getElementById('video').dataset.tier") == "webrtc"
        assert advancing(phone) > 0.8

        # The host ends the show: the room, the mountpoint and the ffmpeg go; the replay is kept.
        studio.once("dialog", lambda dialog: dialog.accept())
        studio.click("[data-ph-end]")
        until(studio, "document.body.dataset.show === 'ended'", timeout=15)
        wait_for(lambda: not hls_ingests(show_id), timeout=15, what="the HLS ffmpeg stopped")
        gone = wait_for(lambda: (w := janus_watch(seat)).get("error_code") and w, timeout=15, what="mountpoint gone")
        assert gone["error_code"] == 455, gone
        replay = wait_for(lambda: (r := sapi.get(f"/api/v1/shows/{show_id}/replay")).status_code == 200 and r.json(),
                          timeout=30, what="the replay")
        assert replay["duration_s"] > 3 and replay["segments"] >= 3, replay
        assert studio.errors == [] and phone.errors == [] and anon.errors == []
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("obstacle, why", [(NO_H264, "H.264"), (JANUS_BLOCKED, "did not get through")],
                         ids=["no-h264", "janus-unreachable"])
def test_the_studio_falls_back_to_the_recorder_when_webrtc_cannot_be_used(sapi, stage_server, browser,
                                                                          obstacle, why):
    host, show = host_with_show(sapi)
    show_id = show["id"]
    script = obstacle % stage_server.janus_port if "%d" in obstacle else obstacle
    context, studio = studio_page(browser, stage_server, host, show_id, script,
                                  viewport={"width": 1280, "height": 900})
    try:
        from tests.web.support import until

        until(studio, "document.body.dataset.ingest === 'camera'", timeout=20)
        studio.click("[data-golive]")
        until(studio, STUDIO_LIVE, timeout=40)
        assert studio.evaluate("document.body.dataset.ingestPath") == "recorder"
        line = studio.locator("#cam-panel [data-golive-path]")
        assert line.is_visible()
        assert "recorder" in line.text_content() and why in line.text_content(), line.text_content()
        studio.screenshot(path=str(screenshots() / f"publish-fallback-{'h264' if obstacle is NO_H264 else 'janus'}.png"))
        # The recorder's WebM comes in on the go-live socket (ffmpeg's stdin); the room it first took is closed.
        [argv] = wait_for(lambda: hls_ingests(show_id), timeout=15, what="the recorder's ffmpeg")
        assert "pipe:0" in argv, argv
        assert sapi.get(f"/api/v1/shows/{show_id}").json()["stream_state"] == "live"
        studio.click("[data-stop]")
        until(studio, "document.body.dataset.ingest === 'stopped'", timeout=15)
        wait_for(lambda: not hls_ingests(show_id), timeout=15, what="the recorder's ffmpeg stopped")
        assert studio.errors == []
    finally:
        context.close()


def test_a_studio_that_vanishes_leaves_the_show_reconnecting(sapi, stage_server, browser):
    from tests.web.support import until

    host, show = host_with_show(sapi)
    show_id = show["id"]
    context, studio = studio_page(browser, stage_server, host, show_id, viewport={"width": 1280, "height": 900})
    try:
        until(studio, "document.body.dataset.ingest === 'camera'", timeout=20)
        studio.click("[data-golive]")
        until(studio, STUDIO_LIVE, timeout=40)
        line = studio.locator("#cam-panel [data-golive-path]")
        assert line.is_visible() and "WebRTC" in line.text_content()
        studio.screenshot(path=str(screenshots() / "publish-studio-webrtc-desktop.png"))
        wait_for(lambda: hls_ingests(show_id), timeout=15, what="the HLS ffmpeg")
    finally:
        context.close()  # the laptop lid shuts: no goodbye to the server
    # Janus sees the studio gone; the app takes it off the air and the show waits for it, as for any publisher.
    wait_for(lambda: sapi.get(f"/api/v1/shows/{show_id}").json()["stream_state"] == "reconnecting", timeout=20,
             what="the show reconnecting")
    wait_for(lambda: not hls_ingests(show_id), timeout=10, what="the HLS ffmpeg stopped")
    refused = sapi.post(f"/api/v1/shows/{show_id}/webrtc", json={"intent": "watch"}, headers=host.headers)
    assert refused.status_code == 409 and refused.json()["reason"] == "not_live", refused.text
