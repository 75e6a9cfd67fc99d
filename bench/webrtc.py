"""The sub-second stage: glass-to-glass over WebRTC and over HLS in one run, and Janus's cost per front-row viewer.

    python -m bench.webrtc --viewers 1,30,60 --seconds 15 --json webrtc.json

Runs inside scripts/private-network (it re-executes itself there): Janus never gathers ICE candidates on
loopback, and the media must not leave the machine. One real `livestall serve` (SQLite, nginx-rtmp, Janus),
one show published over RTMP by an OBS-like ffmpeg whose frames carry their capture time as 24 bars (bench.video).

Glass-to-glass, in headless Chromium reading the bars of every displayed frame:
- hls: the show's HLS through static/js/player.js (hls.js), as every viewer beyond the front row;
- webrtc: the show's Janus mountpoint, with a seat taken through the API as a logged-in viewer takes it
  (RTMP → nginx-rtmp → the app's ffmpeg forwarder → Janus → Chromium), the sound on a stream of its own as the
  player does; again with the picture lip-synced to the sound (the browser holds it back for the sound's longer
  path: the difference is how far the player's sound trails its picture); again with a camera sending no sound;
- studio: the studio page going live over WebRTC into Janus (webrtc_publish.js), its camera a canvas drawing the
  clock bars, watched by a front-row viewer in the same Chromium (same clock);
- bare: the same Janus fed RTP straight by the camera's own ffmpeg (no RTMP, no forwarder): the floor.
Cost per viewer: N logged-in viewers each take a seat and watch over WebRTC from one Chromium page holding N
peer connections never attached to a <video> (nothing is drawn; the client's own CPU is reported beside, since
client and server share the two cores). Measured: Janus's CPU and memory over --seconds with N viewers, less the
same with none (the bare baseline of the same Janus, same show, same run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.fanout import machine
from bench.video import CLOCK_BARS, Livestall, PageServer, cpu_seconds, glass_to_glass, publisher, rss_mb, say

ROOT = Path(__file__).resolve().parents[1]

# A Janus viewer in plain JS: seat (or bare mountpoint) in, frames' burned-in clock read into window.samples.
STAGE_PAGE = """<!doctype html><meta charset="utf-8"><video id="v" muted autoplay playsinline></video>
<script type="module">
const video = document.getElementById("v");
window.samples = [];
window.connected = 0;
async function watch(seat, render) {
  const ws = new WebSocket(seat.ws_url, "janus-protocol");
  await new Promise((ok, ko) => { ws.onopen = ok; ws.onerror = ko; });
  let tx = 0, session = null, handle = null;
  const waiting = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.janus === "ack" || !waiting.has(msg.transaction)) return;
    waiting.get(msg.transaction)(msg); waiting.delete(msg.transaction);
  };
  const send = (body) => new Promise((done) => {
    const t = `t${++tx}`; waiting.set(t, done);
    ws.send(JSON.stringify({ ...body, transaction: t, token: seat.token,
                             ...(session ? { session_id: session } : {}), ...(handle ? { handle_id: handle } : {}) }));
  });
  session = (await send({ janus: "create" })).data.id;
  setInterval(() => ws.send(JSON.stringify({ janus: "keepalive", session_id: session, token: seat.token,
                                             transaction: "ka" })), 5000);
  handle = (await send({ janus: "attach", plugin: "janus.plugin.streaming" })).data.id;
  const offer = await send({ janus: "message", body: { request: "watch", id: seat.mountpoint, pin: seat.pin } });
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.onicecandidate = (e) => ws.send(JSON.stringify({ janus: "trickle", session_id: session, handle_id: handle,
    token: seat.token, transaction: "c", candidate: e.candidate ? e.candidate.toJSON() : { completed: true } }));
  pc.oniceconnectionstatechange = () => { if (pc.iceConnectionState === "connected") window.connected++; };
  const stream = new MediaStream();
  pc.ontrack = (e) => { stream.addTrack(e.track); if (render) video.srcObject = stream; };
  // As the player does (static/js/webrtc.js soundOnItsOwn): the sound on a stream of its own, not lip-synced.
  const sdp = seat.lipsync ? offer.jsep.sdp : offer.jsep.sdp.split(/(?=\\r?\\nm=)/)
    .map((s) => s.replace(/^(\\r?\\nm=audio[^]*?\\r?\\na=msid:)(\\S+)/, "$1$2-sound")).join("");
  await pc.setRemoteDescription({ type: offer.jsep.type, sdp });
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  await send({ janus: "message", body: { request: "start" }, jsep: { type: answer.type, sdp: answer.sdp } });
}
window.watch = watch;
const canvas = document.createElement("canvas");
const ctx = canvas.getContext("2d", { willReadFrequently: true });
function read() {
  const w = video.videoWidth, h = video.videoHeight;
  if (!w) return;
  if (canvas.width !== w) { canvas.width = w; canvas.height = h; }
  ctx.drawImage(video, 0, 0, w, h);
  const scale = w / 640, row = ctx.getImageData(0, Math.round(8 * scale), Math.round(384 * scale), 1).data;
  let value = 0;
  for (let bit = 0; bit < 24; bit++) if (row[Math.round((bit * 16 + 8) * scale) * 4] > 128) value += 2 ** bit;
  window.samples.push((Date.now() % 16777216 - value + 16777216) % 16777216);
}
function onFrame() { read(); video.requestVideoFrameCallback(onFrame); }
video.requestVideoFrameCallback(onFrame);
</script>"""

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


def in_private_network() -> bool:
    with open("/proc/net/dev") as devices:
        names = {line.split(":")[0].strip() for line in devices.readlines()[2:]}
    return os.environ.get("LIVESTALL_PRIVATE_NETWORK") == "1" and names <= {"lo", "ls0", "ls1"}


def janus_pid(app: Livestall) -> int:
    for pid in app.pids():
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "janus":
                return pid
        except OSError:
            continue
    raise RuntimeError("Janus is not running under livestall serve (apt-get install janus)")


def janus_secrets(data: Path) -> tuple[str, str]:
    """The running Janus's admin key and token secret, from the configuration the app wrote."""
    conf = data / "janus" / "conf"
    admin = re.search(r'admin_key = "([^"]+)"', (conf / "janus.plugin.streaming.jcfg").read_text()).group(1)
    token = re.search(r'token_auth_secret = "([^"]+)"', (conf / "janus.jcfg").read_text()).group(1)
    return admin, token


class Viewers:
    """Logged-in viewers of the show, each with a seat from the API."""

    def __init__(self, app: Livestall, show_id: int) -> None:
        self.app, self.show_id, self.made = app, show_id, 0

    def seat(self, show_id: int | None = None) -> dict:
        self.made += 1
        email = f"viewer-{self.made}-{self.app.port}@example.com"
        self.app.api.post("/api/v1/auth/register", json={"email": email, "password": "Bench-Password-42",
                                                         "display_name": "Viewer", "roles": ["viewer"]})
        token = self.app.api.post("/api/v1/auth/login", json={"email": email,
                                                              "password": "Bench-Password-42"}).json()["token"]
        self.app.api.cookies.clear()
        for _ in range(100):
            answer = self.app.api.post(f"/api/v1/shows/{show_id or self.show_id}/webrtc", json={"intent": "watch"},
                                       headers={"Authorization": f"Bearer {token}"})
            if answer.status_code == 200:
                return answer.json()
            time.sleep(0.2)  # the mountpoint is made once the stream arrives
        raise RuntimeError(f"no seat: {answer.text}")


def bare_mountpoint(ws_url: str, admin_key: str, token_secret: str) -> tuple[dict, int]:
    """A mountpoint made directly in Janus for the camera's own RTP: a seat-like dict and its video port."""
    from websockets.sync.client import connect

    from livestall.media.janus import sign_token

    token, _ = sign_token(token_secret, 3600)
    with connect(ws_url, subprotocols=["janus-protocol"]) as ws:
        def call(body: dict) -> dict:
            ws.send(json.dumps({**body, "transaction": "b", "token": token}))
            while (reply := json.loads(ws.recv(timeout=10))).get("janus") == "ack":
                pass
            return reply

        session = call({"janus": "create"})["data"]["id"]
        handle = call({"janus": "attach", "plugin": "janus.plugin.streaming", "session_id": session})["data"]["id"]
        made = call({"janus": "message", "session_id": session, "handle_id": handle, "body": {
            "request": "create", "type": "rtp", "id": 777, "is_private": True, "admin_key": admin_key, "pin": "bare",
            "media": [{"type": "video", "mid": "v", "port": 0, "pt": 96, "codec": "h264",
                       "fmtp": "profile-level-id=42e01f;packetization-mode=1", "iface": "127.0.0.1"}]}})
        port = made["plugindata"]["data"]["stream"]["ports"][0]["port"]
        # Keep the session: the mountpoint lives as long as Janus (permanent false, not tied to the session).
    return {"ws_url": ws_url, "mountpoint": 777, "pin": "bare", "token": token}, port


def bare_camera(port: int) -> subprocess.Popen:
    """The clock-bar camera encoding straight to RTP into Janus: no RTMP, no nginx, no forwarder."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", CLOCK_BARS, "-an",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline", "-g", "30",
         "-pix_fmt", "yuv420p", "-b:v", "1500k", "-payload_type", "96", "-f", "rtp", f"rtp://127.0.0.1:{port}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# The studio's camera, replaced before the page's scripts run: a canvas drawing the clock bars of the moment
# each frame is drawn, so the studio's own WebRTC publish (static/js/webrtc_publish.js) sends timed frames.
CLOCK_CAMERA = """
(() => {
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 360;
  const ctx = canvas.getContext("2d");
  const draw = () => {
    const now = Date.now() % 16777216;
    ctx.fillStyle = "#808080"; ctx.fillRect(0, 0, 640, 360);
    for (let bit = 0; bit < 24; bit++) {
      ctx.fillStyle = (Math.floor(now / 2 ** bit) % 2) ? "#ebebeb" : "#101010";
      ctx.fillRect(bit * 16, 0, 16, 16);
    }
  };
  draw();
  setInterval(draw, 33);
  const stream = canvas.captureStream(30);
  const audio = new AudioContext();
  const tone = audio.createOscillator();
  const sink = audio.createMediaStreamDestination();
  tone.connect(sink); tone.start();
  stream.addTrack(sink.stream.getAudioTracks()[0]);
  navigator.mediaDevices.getUserMedia = async () => stream.clone();
  navigator.mediaDevices.enumerateDevices = async () => [
    { kind: "videoinput", deviceId: "clock", label: "clock", groupId: "c" },
    { kind: "audioinput", deviceId: "tone", label: "tone", groupId: "c" }];
})();
"""


def until(page, expression: str, timeout: float) -> None:
    """Poll `expression` with evaluate (the studio's CSP forbids the string eval of wait_for_function)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expression} not true within {timeout} s")
        time.sleep(0.1)


def studio_glass_to_glass(app: Livestall, viewers: Viewers, page_url: str, seconds: float) -> dict:
    """The host goes live from the studio page (WebRTC into Janus); a front-row viewer reads the clock bars."""
    from playwright.sync_api import sync_playwright

    show_id = app.show_ids[1]
    login = app.api.post("/api/v1/auth/login", json={"email": f"host-{app.port}@example.com",
                                                     "password": "Bench-Password-42"}).json()
    app.api.cookies.clear()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            studio_ctx = browser.new_context(base_url=app.url)
            studio_ctx.add_cookies([{"name": "livestall_session", "value": login["token"], "url": app.url}])
            studio_ctx.add_init_script(CLOCK_CAMERA)
            studio = studio_ctx.new_page()
            studio.goto(f"/studio/shows/{show_id}")
            until(studio, "document.body.dataset.ingest === 'camera'", 30)
            studio.click("[data-golive]")
            until(studio, "document.body.dataset.ingest === 'live'", 60)
            path = studio.evaluate("document.body.dataset.ingestPath")
            viewer = browser.new_page()
            viewer.goto(page_url)
            viewer.wait_for_function("typeof window.watch === 'function'")
            viewer.evaluate("(seat) => window.watch(seat, true)", viewers.seat(show_id))
            viewer.wait_for_function("window.samples.length > 0", timeout=30000)
            viewer.wait_for_timeout(3000)
            viewer.evaluate("window.samples = []")
            viewer.wait_for_timeout(seconds * 1000)
            samples = [s for s in viewer.evaluate("window.samples") if s < 60_000]
        finally:
            browser.close()
    return summary(samples) | {"publish_path": path}


def silent_camera(url: str) -> subprocess.Popen:
    """The same camera over RTMP with no sound track."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", CLOCK_BARS, "-an",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-keyint_min", "30",
         "-pix_fmt", "yuv420p", "-b:v", "1500k", "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def webrtc_glass_to_glass(page_url: str, seat: dict, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(page_url)
            page.wait_for_function("typeof window.watch === 'function'")
            started = time.monotonic()
            page.evaluate("(seat) => window.watch(seat, true)", seat)
            page.wait_for_function("window.samples.length > 0", timeout=30000)
            first_frame = time.monotonic() - started
            page.wait_for_timeout(2000)
            page.evaluate("window.samples = []")
            page.wait_for_timeout(seconds * 1000)
            samples = sorted(s for s in page.evaluate("window.samples") if s < 60_000)
        finally:
            browser.close()
    return summary(samples) | {"first_frame_s": round(first_frame, 2)}


def summary(samples: list[float]) -> dict:
    if not samples:
        return {"glass_to_glass_ms": None, "glass_to_glass_p90_ms": None, "frames_read": 0}
    samples = sorted(samples)
    return {"glass_to_glass_ms": round(statistics.median(samples)), "frames_read": len(samples),
            "glass_to_glass_p90_ms": round(samples[int(0.9 * (len(samples) - 1))])}


def janus_cost(app: Livestall, viewers: Viewers, page_url: str, counts: list[int], seconds: float) -> list[dict]:
    """Janus's CPU and memory with N silent viewers, against none, on the same show."""
    from playwright.sync_api import sync_playwright

    pid = janus_pid(app)

    def measure() -> tuple[float, float]:
        before, start = cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        return 100.0 * (cpu_seconds(pid) - before) / (time.monotonic() - start), rss_mb(pid)

    idle_cpu, idle_rss = measure()
    rows = [{"viewers": 0, "janus_cpu_pct_of_core": round(idle_cpu, 2), "janus_rss_mb": round(idle_rss, 1)}]
    with sync_playwright() as p:
        for count in counts:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(page_url)
                page.wait_for_function("typeof window.watch === 'function'")
                for _ in range(count):
                    page.evaluate("(seat) => window.watch(seat, false)", viewers.seat())
                page.wait_for_function(f"window.connected >= {count}", timeout=60000)
                time.sleep(3.0)
                chromium_before = sum(cpu_seconds(c) for c in _chromium_pids())
                cpu, rss = measure()
                chromium_cpu = 100.0 * (sum(cpu_seconds(c) for c in _chromium_pids())
                                        - chromium_before) / seconds
                rows.append({"viewers": count, "janus_cpu_pct_of_core": round(cpu, 2), "janus_rss_mb": round(rss, 1),
                             "janus_cpu_pct_per_viewer": round((cpu - idle_cpu) / count, 3),
                             "janus_mb_per_viewer": round((rss - idle_rss) / count, 2),
                             "client_chromium_cpu_pct_of_core": round(chromium_cpu, 1),
                             "connected": page.evaluate("window.connected")})
            finally:
                browser.close()
            time.sleep(3.0)  # Janus lets the closed sessions go before the next count
    return rows


def _chromium_pids() -> list[int]:
    """Every Chromium process: the client's share of the two cores."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if "chromium" in (entry / "comm").read_text():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webrtc", description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="1,30,60", help="comma list of front-row viewer counts")
    parser.add_argument("--seconds", type=float, default=15.0, help="CPU measuring window")
    parser.add_argument("--viewer-seconds", type=float, default=10.0, help="glass-to-glass sampling window")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not in_private_network():
        script = ROOT / "scripts" / "private-network"
        os.execv(str(script), [str(script), sys.executable, "-m", "bench.webrtc", *(argv or sys.argv[1:])])
    counts = [int(n) for n in args.viewers.split(",") if n]
    seats = str(sum(counts) + 10)  # every viewer keeps its seat until its token lapses, across the counts
    os.environ.update({"LIVESTALL_JANUS_ICE_ENFORCE_LIST": "ls0", "LIVESTALL_WEBRTC_FRONT_ROW": seats,
                       "LIVESTALL_WEBRTC_SHOW_CAP": seats, "LIVESTALL_WEBRTC_MACHINE_CAP": seats,
                       "LIVESTALL_AUTH_REGISTER_PER_IP": "100000", "LIVESTALL_AUTH_LOGIN_PER_IP": "100000"})
    workdir = Path(tempfile.mkdtemp(prefix="livestall-bench-webrtc-"))
    pages = PageServer(workdir)
    (workdir / "stage.html").write_text(STAGE_PAGE)
    page_url = f"http://127.0.0.1:{pages.port}/stage.html"
    app = Livestall(workdir, 2, ladder=False)  # show 0 from the RTMP camera, show 1 from the studio
    camera = publisher(app.ingest_url(0))
    bare = None
    results: dict = {}
    try:
        viewers = Viewers(app, app.show_ids[0])
        seat = viewers.seat()
        while not app.ready(0):
            time.sleep(0.2)
        time.sleep(3.0)
        say("glass-to-glass over HLS ...")
        hls = glass_to_glass(pages.port, app.playlist_url(0), args.viewer_seconds)
        results["hls"] = {"glass_to_glass_ms": round(hls["glass_to_glass_s"] * 1000) if hls["frames_read"] else None,
                          "glass_to_glass_p90_ms": round(hls["glass_to_glass_p90_s"] * 1000)
                          if hls["frames_read"] else None, "frames_read": hls["frames_read"]}
        say("glass-to-glass over WebRTC (RTMP → forwarder → Janus) ...")
        results["webrtc"] = webrtc_glass_to_glass(page_url, viewers.seat(), args.viewer_seconds)
        say("glass-to-glass over WebRTC, the picture lip-synced with the sound ...")
        results["webrtc_lipsync"] = webrtc_glass_to_glass(page_url, {**viewers.seat(), "lipsync": True},
                                                          args.viewer_seconds)
        say("glass-to-glass over WebRTC from a camera without sound ...")
        camera.kill()
        camera.wait()
        time.sleep(4.0)  # the show waits for its publisher; the mountpoint goes with the old stream
        camera = silent_camera(app.ingest_url(0))
        results["webrtc_silent"] = webrtc_glass_to_glass(page_url, viewers.seat(), args.viewer_seconds)
        camera.kill()
        camera.wait()
        camera = publisher(app.ingest_url(0))
        say("glass-to-glass over WebRTC, bare (camera RTP straight into Janus) ...")
        bare_seat, port = bare_mountpoint(seat["ws_url"], *janus_secrets(workdir / "livestall-pass-2"))
        bare = bare_camera(port)
        results["bare"] = webrtc_glass_to_glass(page_url, bare_seat, args.viewer_seconds)
        bare.kill()
        bare.wait()
        bare = None
        say("glass-to-glass over WebRTC from the studio page's own WebRTC publish ...")
        results["studio"] = studio_glass_to_glass(app, viewers, page_url, args.viewer_seconds)
        say(f"Janus per front-row viewer at {counts} ...")
        results["janus_per_viewer"] = janus_cost(app, viewers, page_url, counts, args.seconds)
    finally:
        for proc in (camera, bare):
            if proc is not None:
                proc.kill()
                proc.wait()
        app.stop()
        pages.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(results, args)
    if args.json:
        doc = {"benchmark": "webrtc", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": machine(), "parameters": {"viewers": counts, "cpu_window_s": args.seconds,
                                                    "viewer_window_s": args.viewer_seconds,
                                                    "publisher": "testsrc 640x360 30 fps, x264 ultrafast 1.5 Mb/s, "
                                                                 "GOP 30, AAC"}, **results}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")


def print_table(results: dict, args: argparse.Namespace) -> None:
    print(f"glass-to-glass over {args.viewer_seconds:g} s (ms)")
    print("path                                  p50    p90    frames  first frame s")
    for key, name in (("bare", "bare: camera RTP → Janus"), ("webrtc", "livestall WebRTC: RTMP → Janus"),
                      ("webrtc_lipsync", "livestall WebRTC, lip-synced"),
                      ("webrtc_silent", "livestall WebRTC, camera without sound"),
                      ("studio", "livestall WebRTC from the studio page"),
                      ("hls", "livestall HLS (hls.js)")):
        r = results.get(key, {})
        print(f"{name:36}  {r.get('glass_to_glass_ms')!s:>5}  {r.get('glass_to_glass_p90_ms')!s:>5}  "
              f"{r.get('frames_read', 0):>6}  {r.get('first_frame_s', '-')!s:>13}")
    print(f"\nJanus per front-row viewer (CPU over {args.seconds:g} s)")
    print("viewers  janus % core  % / viewer  janus MB  MB / viewer  client chromium % core")
    for r in results.get("janus_per_viewer", []):
        print(f"{r['viewers']:>7}  {r['janus_cpu_pct_of_core']:>12}  {r.get('janus_cpu_pct_per_viewer', '-')!s:>10}  "
              f"{r['janus_rss_mb']:>8}  {r.get('janus_mb_per_viewer', '-')!s:>11}  "
              f"{r.get('client_chromium_cpu_pct_of_core', '-')!s:>22}")


if __name__ == "__main__":
    main()
