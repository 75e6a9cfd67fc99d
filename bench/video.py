"""Video: N RTMP publishers into Livestall (nginx-rtmp pass-through, or the 720p + 360p ladder) against plain ffmpeg.

    python -m bench.video --streams 1,4 --ladder-streams 1 --seconds 15 --json video.json

Every publisher is ffmpeg sending `testsrc` 640x360 at 30 fps as H.264 (1 s GOP) + AAC, like OBS,
with the wall-clock time of each frame burned into its top rows as 24 black/white bars (the
millisecond clock mod 2^24, written by `geq` from the frame's RTCTIME when it is made).

Systems, one after the other so that they never share the two cores:
- livestall: a real `livestall serve` (throwaway SQLite and data directory) supervising nginx-rtmp;
  N shows, each published to rtmp://127.0.0.1:PORT/live/{show_id}?key=KEY, played from /hls/.
- ladder: the same with LIVESTALL_MEDIA_LADDER=true (an x264 720p + 360p ffmpeg per show).
- baseline: per stream, one plain `ffmpeg -listen 1 -i rtmp://... -c copy -f hls` remuxer.

Measured for each: time from publisher start to the first playlist listing a segment; CPU of the
serving processes (the app and all its children, or the remuxers; never the publishers) over
--seconds, per stream; then glass-to-glass on stream 0: headless Chromium plays it with
static/js/player.js (hls.js, liveSyncDurationCount 2), reads the bars of each displayed frame
from a canvas, and subtracts that capture time from Date.now() on the same clock.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from bench.fanout import machine

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "livestall" / "web" / "static"
CLOCK_BARS = ("testsrc=size=640x360:rate=30[t];"
              "color=c=black:s=384x16:r=30,format=yuv420p,settb=1/1000,setpts='RTCTIME/1000',"
              "geq=lum='if(mod(floor(mod(T*1000,16777216)/pow(2,floor(X/16))),2),235,16)':cb=128:cr=128,"
              "setpts=N/30/TB[c];[t][c]overlay=0:0[out0]")

PAGE = """<!doctype html><meta charset="utf-8"><video id="v" muted autoplay playsinline></video>
<script src="/static/vendor/hls.min.js"></script>
<script type="module">
import { createPlayer } from "/static/js/player.js";
const video = document.getElementById("v");
window.player = createPlayer(video, { src: new URLSearchParams(location.search).get("src") });
window.samples = [];
const canvas = document.createElement("canvas");
const ctx = canvas.getContext("2d", { willReadFrequently: true });
function read() {
  const w = video.videoWidth, h = video.videoHeight;
  if (!w || video.paused) return;
  if (canvas.width !== w) { canvas.width = w; canvas.height = h; }
  ctx.drawImage(video, 0, 0, w, h);
  const scale = w / 640, row = ctx.getImageData(0, Math.round(8 * scale), Math.round(384 * scale), 1).data;
  let value = 0;
  for (let bit = 0; bit < 24; bit++) {
    const x = Math.round((bit * 16 + 8) * scale);
    if (row[x * 4] > 128) value += 2 ** bit;
  }
  const now = Date.now() % 16777216;
  window.samples.push((now - value + 16777216) % 16777216);
}
function onFrame() { read(); video.requestVideoFrameCallback(onFrame); }
if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(onFrame); else setInterval(read, 33);
</script>"""


def say(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def publisher(url: str) -> subprocess.Popen:
    """A camera: the clock-bar test pattern and a tone, H.264 1 s GOP + AAC, over RTMP, in real time."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-thread_queue_size", "1", "-f", "lavfi", "-i", CLOCK_BARS,
         "-f", "lavfi", "-i", "sine=frequency=440", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-g", "30", "-keyint_min", "30", "-pix_fmt", "yuv420p", "-b:v", "1500k", "-c:a", "aac", "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# -- process accounting ------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += children.get(current, [])
    return out


def measure_cpu(pids_of, seconds: float) -> tuple[dict[int, float], float]:
    """({pid: % of one core}, RSS MB) of the processes `pids_of()` names, over `seconds`."""
    pids = pids_of()
    before, start = {p: cpu_seconds(p) for p in pids}, time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - start
    return {p: 100.0 * (cpu_seconds(p) - before[p]) / elapsed for p in pids}, sum(rss_mb(p) for p in pids)


def wait_first_playlist(ready, started: float, timeout: float = 30.0) -> float:
    deadline = started + timeout
    while time.monotonic() < deadline:
        if ready():
            return time.monotonic() - started
        time.sleep(0.02)
    raise TimeoutError("no playlist")


# -- the systems ---------------------------------------------------------------------------------

class Livestall:
    """A throwaway `livestall serve` with N scheduled shows of one host, and its stream key."""

    def __init__(self, workdir: Path, streams: int, ladder: bool) -> None:
        self.port, self.rtmp_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        data = workdir / f"livestall-{'ladder' if ladder else 'pass'}-{streams}"
        env = {**os.environ, "LIVESTALL_DATA_DIR": str(data), "LIVESTALL_DATABASE_URL": "",
               "LIVESTALL_RTMP_PORT": str(self.rtmp_port), "LIVESTALL_RTMP_HOST": "127.0.0.1",
               "LIVESTALL_WS_PORT": str(free_port()), "LIVESTALL_LOG_LEVEL": "WARNING",
               "LIVESTALL_MEDIA_LADDER": "true" if ladder else "false", "LIVESTALL_MEDIA_MAX_TRANSCODES": str(streams),
               "PYTHONPATH": str(ROOT / "src")}
        data.mkdir(parents=True)
        self.proc = subprocess.Popen([sys.executable, "-m", "livestall.cli", "serve", "--port", str(self.port)],
                                     env=env, stdout=subprocess.DEVNULL, stderr=open(data / "serve.log", "ab"))
        self.api = httpx.Client(base_url=self.url, timeout=30)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.api.get("/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"livestall serve did not start; see {data / 'serve.log'}")
            time.sleep(0.1)
        email, password = f"host-{self.port}@example.com", "Bench-Password-42"
        self.api.post("/api/v1/auth/register", json={"email": email, "password": password,
                                                      "display_name": "Bench host", "roles": ["seller", "host"]})
        token = self.api.post("/api/v1/auth/login", json={"email": email, "password": password}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        shop = self.api.post("/api/v1/shops", headers=headers,
                             json={"name": f"Bench {self.port}", "city": "Tianshui", "country": "CN"}).json()
        when = datetime.fromtimestamp(time.time() + 3600, timezone.utc).isoformat()
        self.show_ids = [self.api.post("/api/v1/shows", headers=headers, json={
            "shop_id": shop["id"], "title": f"Bench {i}", "language": "en", "market": "US", "scheduled_at": when,
        }).json()["id"] for i in range(streams)]
        self.key = self.api.post("/api/v1/me/stream-key", headers=headers).json()["key"]
        self.ladder = ladder

    def ingest_url(self, i: int) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{self.show_ids[i]}?key={self.key}"

    def playlist_url(self, i: int) -> str:
        return f"{self.url}/hls/{self.show_ids[i]}/index.m3u8"

    def ready(self, i: int) -> bool:
        name = "720p/index.m3u8" if self.ladder else "index.m3u8"
        try:
            return "#EXTINF" in self.api.get(f"/hls/{self.show_ids[i]}/{name}").text
        except httpx.HTTPError:
            return False

    def pids(self) -> list[int]:
        return descendants(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.api.close()


class Baseline:
    """Per stream, one plain ffmpeg listening for RTMP and remuxing it to HLS (-c copy), nothing else."""

    def __init__(self, workdir: Path, streams: int, web_port: int) -> None:
        self.dir = workdir / f"baseline-{streams}"
        self.web_port = web_port
        self.ports = [free_port() for _ in range(streams)]
        self.procs = []
        for i, port in enumerate(self.ports):
            out = self.dir / str(i)
            out.mkdir(parents=True)
            self.procs.append(subprocess.Popen(
                ["ffmpeg", "-hide_banner", "-loglevel", "error", "-listen", "1", "-i",
                 f"rtmp://127.0.0.1:{port}/live/s", "-c", "copy", "-f", "hls", "-hls_time", "1",
                 "-hls_list_size", "6", "-hls_flags", "temp_file", str(out / "index.m3u8")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)  # ffmpeg's RTMP server listens only once started; a probe would take its one connection

    def ingest_url(self, i: int) -> str:
        return f"rtmp://127.0.0.1:{self.ports[i]}/live/s"

    def playlist_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.web_port}/base/{self.dir.name}/{i}/index.m3u8"

    def ready(self, i: int) -> bool:
        path = self.dir / str(i) / "index.m3u8"
        return path.exists() and "#EXTINF" in path.read_text()

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


# -- the viewer ------------------------------------------------------------------------------------

class PageServer:
    """Serves the bench page, player.js, hls.js and the baseline's HLS folders (no-cache, CORS)."""

    def __init__(self, workdir: Path) -> None:
        (workdir / "static").mkdir(parents=True, exist_ok=True)
        shutil.copytree(STATIC, workdir / "static", dirs_exist_ok=True)
        (workdir / "page.html").write_text(PAGE)
        (workdir / "base").mkdir(exist_ok=True)
        self.workdir = workdir

        class Handler(SimpleHTTPRequestHandler):
            extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".m3u8": "application/vnd.apple.mpegurl",
                              ".ts": "video/mp2t", ".js": "text/javascript"}

            def translate_path(self, path):
                if path.startswith("/base/"):
                    return str(workdir / path[len("/base/"):].split("?")[0])
                return super().translate_path(path)

            def end_headers(self):
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Access-Control-Allow-Origin", "*")
                super().end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(workdir)))
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def glass_to_glass(page_port: int, playlist_url: str, seconds: float) -> dict:
    """Play the stream in headless Chromium and read each displayed frame's burned-in capture time."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{page_port}/page.html?src={playlist_url}")
            page.wait_for_function("window.samples && window.samples.length > 30", timeout=30000)
            page.wait_for_timeout(3000)  # let hls.js settle at its live position
            page.evaluate("window.samples = []")
            page.wait_for_timeout(seconds * 1000)
            samples = [s for s in page.evaluate("window.samples") if s < 60_000]
        finally:
            browser.close()
    if not samples:
        return {"glass_to_glass_s": None, "glass_to_glass_p90_s": None, "frames_read": 0}
    samples.sort()
    return {"glass_to_glass_s": round(statistics.median(samples) / 1000, 2),
            "glass_to_glass_p90_s": round(samples[int(0.9 * (len(samples) - 1))] / 1000, 2),
            "frames_read": len(samples)}


# -- one run ---------------------------------------------------------------------------------------

def run(system: str, streams: int, args: argparse.Namespace, workdir: Path, pages: PageServer) -> dict:
    say(f"running {system} with {streams} stream(s) ...")
    target = (Baseline(workdir, streams, pages.port) if system == "baseline"
              else Livestall(workdir, streams, ladder=system == "ladder"))
    publishers = []
    try:
        starts = []
        for i in range(streams):
            starts.append(time.monotonic())
            publishers.append(publisher(target.ingest_url(i)))
        first = [wait_first_playlist(partial(target.ready, i), starts[i]) for i in range(streams)]
        time.sleep(3.0)  # past the start-up work (nginx's first fragments, ffmpeg's probing)
        per_pid, rss = measure_cpu(target.pids, args.seconds)
        cpu = sum(per_pid.values())
        result = {
            "streams": streams,
            "first_playlist_s": round(max(first), 2),
            "first_playlist_mean_s": round(statistics.mean(first), 2),
            "cpu_pct_of_core": round(cpu, 2),
            "cpu_pct_of_core_per_stream": round(cpu / streams, 2),
            "rss_mb": round(rss, 1),
        }
        if system != "baseline":  # the app process (recorder, jobs, rooms) apart from nginx and ffmpeg
            app = per_pid.get(target.proc.pid, 0.0)
            result["app_process_cpu_pct_of_core"] = round(app, 2)
            result["media_processes_cpu_pct_of_core_per_stream"] = round((cpu - app) / streams, 2)
        if not args.no_browser:
            result.update(glass_to_glass(pages.port, target.playlist_url(0), args.viewer_seconds))
        return result
    finally:
        for proc in publishers:
            proc.terminate()
        for proc in publishers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        target.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.video", description=__doc__.splitlines()[0])
    parser.add_argument("--streams", default="1,4", help="comma list of simultaneous publishers")
    parser.add_argument("--ladder-streams", default="1", help="comma list for the ladder ('' = skip it)")
    parser.add_argument("--seconds", type=float, default=15.0, help="CPU measuring window")
    parser.add_argument("--viewer-seconds", type=float, default=10.0, help="glass-to-glass sampling window")
    parser.add_argument("--no-browser", action="store_true", help="skip glass-to-glass")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    plan = [(system, int(n)) for n in args.streams.split(",") if n for system in ("livestall", "baseline")]
    plan += [("ladder", int(n)) for n in args.ladder_streams.split(",") if n]
    workdir = Path(tempfile.mkdtemp(prefix="livestall-bench-video-"))
    pages = PageServer(workdir)
    results: dict[str, dict[str, dict]] = {}
    try:
        for system, streams in plan:
            results.setdefault(system, {})[f"streams_{streams}"] = run(system, streams, args, workdir, pages)
            time.sleep(1.0)
    finally:
        pages.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(results, args)
    if args.json:
        doc = {"benchmark": "video", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": machine(), "parameters": {"streams": args.streams, "ladder_streams": args.ladder_streams,
                                                    "cpu_window_s": args.seconds,
                                                    "viewer_window_s": args.viewer_seconds,
                                                    "publisher": "testsrc 640x360 30 fps, x264 ultrafast 1.5 Mb/s, "
                                                                 "GOP 30, AAC"},
               **results}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")


def print_table(results: dict, args: argparse.Namespace) -> None:
    cols = ["system", "streams", "first playlist s", "cpu % core (all)", "cpu % core / stream",
            "nginx+ffmpeg % / stream", "rss MB",
            "glass-to-glass s (p50)", "p90 s"]
    rows = []
    for system, runs in results.items():
        for r in runs.values():
            rows.append([system, str(r["streams"]), f"{r['first_playlist_s']:.2f}", f"{r['cpu_pct_of_core']:.2f}",
                         f"{r['cpu_pct_of_core_per_stream']:.2f}",
                         f"{r.get('media_processes_cpu_pct_of_core_per_stream', r['cpu_pct_of_core_per_stream']):.2f}",
                         f"{r['rss_mb']:.0f}",
                         "-" if r.get("glass_to_glass_s") is None else f"{r['glass_to_glass_s']:.2f}",
                         "-" if r.get("glass_to_glass_p90_s") is None else f"{r['glass_to_glass_p90_s']:.2f}"])
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    print(f"video: RTMP publishers (1 s GOP), CPU over {args.seconds:g} s, latency over {args.viewer_seconds:g} s")
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


if __name__ == "__main__":
    main()
