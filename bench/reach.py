"""Reach: what simulcast (restream targets) and product clips cost on the ingest machine.

    python -m bench.reach --targets 1,2,4 --seconds 20 --pins 5 --json reach.json

One publisher, like OBS: ffmpeg sending `testsrc` 1280x720 at 30 fps as H.264 (1 s GOP, 3 Mb/s) + AAC over
RTMP into a real `livestall serve` (throwaway SQLite and data directory) and its nginx-rtmp, one live show.

- Simulcast: over --seconds, CPU (% of one core) and RSS of the show's ingest, the app and every process
  below it (nginx-rtmp writing HLS, and the relays), as bench.video counts them: first bare, then with
  1, 2 and 4 restream targets added through the API, each a second local nginx-rtmp on its own port (as
  tests/media/test_restream.py starts them; their own CPU is not counted, they stand in for YouTube and
  the like). The cost of a target is (CPU with N - CPU bare) / N; the relays' own CPU is shown apart.
- Clips: while it streams, --pins products are pinned one after the other; the show then ends (its
  replay lasts about --record-seconds) and the app's clip job cuts one clip per pin. Reported: the time
  from the end of the show until every clip is ready, then each of those cuts done again here with the
  app's own commands (clip_cutter.cut_command + hls_command) on the real replay: wall time and CPU
  (children's user + system) against the seconds of video cut.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.fanout import machine
from bench.video import Livestall, cpu_seconds, descendants, free_port, rss_mb, say
from livestall.media.binaries import RTMP_MODULES
from livestall.media.clip_cutter import cut_command, hls_command

RECEIVER_CONF = """\
load_module {module};
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        application live2 {{
            live on;
        }}
    }}
}}
"""
PUBLISHER = "testsrc 1280x720 30 fps, x264 ultrafast 3 Mb/s, GOP 30, AAC 128 kb/s"


def publisher(url: str) -> subprocess.Popen:
    """A 720p camera in real time, as OBS sends it."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-g", "30", "-keyint_min", "30", "-pix_fmt", "yuv420p", "-b:v", "3000k", "-maxrate", "3000k",
         "-bufsize", "3000k", "-c:a", "aac", "-b:a", "128k", "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Receiver:
    """A second nginx-rtmp on its own port that takes what a restream target sends (and keeps nothing)."""

    def __init__(self, workdir: Path, module: Path) -> None:
        self.port = free_port()
        prefix = workdir / f"receiver-{self.port}"
        prefix.mkdir(parents=True)
        conf = prefix / "nginx.conf"
        conf.write_text(RECEIVER_CONF.format(module=module, prefix=prefix, port=self.port))
        self.url = f"rtmp://127.0.0.1:{self.port}/live2"
        self.proc = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def is_relay(pid: int) -> bool:
    """A restream relay: the app's `ffmpeg ... -f flv rtmp://...`."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(argv) and argv[0].endswith(b"ffmpeg") and b"flv" in argv


def measure(root: int, seconds: float) -> dict:
    """CPU (% of one core) and RSS of `root` and everything below it over `seconds`, relays apart."""
    pids = descendants(root)
    before, start = {p: cpu_seconds(p) for p in pids}, time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - start
    rss = {p: rss_mb(p) for p in pids}
    cpu = {p: 100.0 * (cpu_seconds(p) - before[p]) / elapsed for p in pids}
    relays = [p for p in pids if is_relay(p)]
    return {"cpu_pct_of_core": round(sum(cpu.values()), 2), "rss_mb": round(sum(rss.values()), 1),
            "app_process_cpu_pct_of_core": round(cpu.get(root, 0.0), 2),
            "relays": len(relays), "relays_cpu_pct_of_core": round(sum(cpu[p] for p in relays), 2),
            "relays_rss_mb": round(sum(rss[p] for p in relays), 1)}


def wait_until(check, timeout: float, what: str, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"waited {timeout:g} s for {what}")


class Host:
    """The bench's host in the throwaway app: its show, shop, products and restream targets."""

    def __init__(self, app: Livestall, port: int) -> None:
        self.api, self.show_id = app.api, app.show_ids[0]
        token = self.api.post("/api/v1/auth/login", json={"email": f"host-{port}@example.com",
                                                          "password": "Bench-Password-42"}).json()["token"]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.shop_id = self.api.get(f"/api/v1/shows/{self.show_id}", headers=self.headers).json()["shop_id"]
        self.targets: list[int] = []

    def call(self, method: str, url: str, expect: int, **kwargs) -> dict:
        response = self.api.request(method, url, headers=self.headers, **kwargs)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else {}

    def product(self, i: int) -> int:
        return self.call("POST", f"/api/v1/shops/{self.shop_id}/products", 201, json={
            "title": f"Bench product {i}", "sku": f"BENCH-{i}-{time.time_ns()}", "price_minor": 12800, "stock": 10,
            "status": "active"})["id"]

    def set_targets(self, receivers: list[Receiver]) -> None:
        """Exactly these receivers as the show's restream targets, all sending."""
        restreams = f"/api/v1/shows/{self.show_id}/restreams"
        while len(self.targets) > len(receivers):
            self.call("DELETE", f"{restreams}/{self.targets.pop()}", 204)
        for i in range(len(self.targets), len(receivers)):
            self.targets.append(self.call("POST", restreams, 201, json={
                "preset": "custom", "server_url": receivers[i].url, "stream_key": f"bench-key-{i}",
                "label": f"Mirror {i}"})["id"])

        def all_live():
            items = self.call("GET", restreams, 200)["items"]
            return len(items) == len(receivers) and all(i["state"] == "live" for i in items)

        if receivers:
            wait_until(all_live, 30, f"{len(receivers)} target(s) live")


class Pinner(threading.Thread):
    """Pins the products one after the other, `every` seconds each, the way a host goes through a show."""

    def __init__(self, host: Host, products: list[int], every: float) -> None:
        super().__init__(daemon=True)
        self.host, self.products, self.every = host, products, every
        self.error: Exception | None = None

    def run(self) -> None:
        pins = f"/api/v1/shows/{self.host.show_id}/pins"
        try:
            for i, product in enumerate(self.products):
                if i:
                    self.host.call("DELETE", f"{pins}/{self.products[i - 1]}", 200)
                self.host.call("POST", pins, 200, json={"product_id": product})
                time.sleep(self.every)
        except Exception as exc:  # reported by the main thread
            self.error = exc


def cut_again(replay: Path, clips: list[dict], duration_s: float, workdir: Path) -> list[dict]:
    """Each clip's cut (MP4, then its HLS) done again with the app's commands: wall time and children's CPU."""
    out, rows = workdir / "cuts", []
    out.mkdir()
    for i, clip in enumerate(clips):
        length = clip["duration_s"]
        start = min(i * duration_s / len(clips), max(0.0, duration_s - length))
        video = out / f"c{i}.mp4"
        before, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
        subprocess.run(cut_command("ffmpeg", replay, start, length, video), check=True, timeout=120)
        mp4_wall = time.monotonic() - wall
        subprocess.run(hls_command("ffmpeg", video, out / f"c{i}.m3u8"), check=True, timeout=120)
        after, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic() - wall
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        rows.append({"video_s": length, "wall_s": round(wall, 3), "mp4_wall_s": round(mp4_wall, 3),
                     "cpu_s": round(cpu, 3), "mp4_bytes": video.stat().st_size})
    return rows


def run(args: argparse.Namespace, workdir: Path) -> dict:
    module = next((m for m in RTMP_MODULES if m.exists()), None)
    if module is None:
        raise SystemExit("libnginx-mod-rtmp is not installed")
    counts = [int(n) for n in args.targets.split(",") if n]
    receivers = [Receiver(workdir, module) for _ in range(max(counts, default=0))]
    app = Livestall(workdir, 1, ladder=False)
    camera = None
    try:
        host = Host(app, app.port)
        products = [host.product(i) for i in range(args.pins)]
        started = time.monotonic()
        camera = publisher(app.ingest_url(0))
        wait_until(lambda: app.ready(0), 30, "the first playlist", every=0.05)
        pinner = Pinner(host, products, args.record_seconds / max(args.pins, 1))
        pinner.start()
        time.sleep(3.0)  # past nginx's first fragments
        simulcast = {}
        for n in [0, *counts]:
            say(f"measuring with {n} restream target(s) ...")
            host.set_targets(receivers[:n])
            time.sleep(3.0)  # past the relays' start-up (probing, connecting)
            simulcast[f"targets_{n}"] = {"targets": n, **measure(app.proc.pid, args.seconds)}
        host.set_targets([])
        bare = simulcast["targets_0"]["cpu_pct_of_core"]
        for n in counts:
            row = simulcast[f"targets_{n}"]
            row["cpu_pct_of_core_per_target"] = round((row["cpu_pct_of_core"] - bare) / n, 2)
        pinner.join()
        if pinner.error:
            raise pinner.error
        time.sleep(max(0.0, args.record_seconds - (time.monotonic() - started)))
        say("ending the show; waiting for its clips ...")
        host.call("POST", f"/api/v1/shows/{host.show_id}/end", 200)
        ended = time.monotonic()
        camera.terminate()
        camera.wait(10)

        def clips_ready():
            items = host.call("GET", f"/api/v1/shops/{host.shop_id}/clips", 200)["items"]
            return len(items) == args.pins and all(c["status"] == "ready" for c in items) and items

        clips = wait_until(clips_ready, 120, "every clip cut")
        all_ready_s = time.monotonic() - ended
        replay = workdir / "livestall-pass-1" / "hls" / str(host.show_id) / "replay.m3u8"
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                str(replay)], capture_output=True, text=True, timeout=60)
        replay_s = float(probe.stdout.strip())
        cuts = cut_again(replay, sorted(clips, key=lambda c: c["id"]), replay_s, workdir)
        video_s = sum(c["video_s"] for c in cuts)
        return {"simulcast": simulcast, "clips": {
            "replay_s": round(replay_s, 1), "clips": len(cuts), "video_cut_s": round(video_s, 1),
            "all_ready_after_end_s": round(all_ready_s, 2), "wall_s": round(sum(c["wall_s"] for c in cuts), 3),
            "cpu_s": round(sum(c["cpu_s"] for c in cuts), 3),
            "cpu_s_per_minute_of_video": round(60 * sum(c["cpu_s"] for c in cuts) / video_s, 3),
            "wall_s_per_minute_of_video": round(60 * sum(c["wall_s"] for c in cuts) / video_s, 3),
            "cuts": cuts}}
    finally:
        if camera is not None and camera.poll() is None:
            camera.kill()
            camera.wait()
        app.stop()
        for receiver in receivers:
            receiver.stop()


def print_table(result: dict, args: argparse.Namespace) -> None:
    print(f"simulcast: one 720p30 publisher, CPU over {args.seconds:g} s (% of one core; app + nginx + relays)")
    cols = ["targets", "cpu % core", "per target", "relays % core", "app % core", "rss MB", "relays rss MB"]
    rows = [[str(r["targets"]), f"{r['cpu_pct_of_core']:.1f}",
             "-" if "cpu_pct_of_core_per_target" not in r else f"{r['cpu_pct_of_core_per_target']:.1f}",
             f"{r['relays_cpu_pct_of_core']:.1f}", f"{r['app_process_cpu_pct_of_core']:.1f}", f"{r['rss_mb']:.0f}",
             f"{r['relays_rss_mb']:.0f}"] for r in result["simulcast"].values()]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    c = result["clips"]
    print(f"clips: {c['clips']} from a {c['replay_s']:g} s replay, {c['video_cut_s']:g} s of video; all ready "
          f"{c['all_ready_after_end_s']:.1f} s after the show ended; cut again here (MP4 + HLS): "
          f"{c['wall_s']:.2f} s wall, {c['cpu_s']:.2f} s CPU ({c['cpu_s_per_minute_of_video']:.2f} s CPU "
          f"per minute of video)")
    for cut in c["cuts"]:
        print(f"  {cut['video_s']:5.1f} s of video: {cut['wall_s']:.3f} s wall (MP4 {cut['mp4_wall_s']:.3f} s), "
              f"{cut['cpu_s']:.3f} s CPU, {cut['mp4_bytes'] / 1e6:.1f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reach", description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="1,2,4", help="comma list of restream target counts to measure")
    parser.add_argument("--seconds", type=float, default=20.0, help="CPU measuring window for each count")
    parser.add_argument("--pins", type=int, default=5, help="products pinned during the show (one clip each)")
    parser.add_argument("--record-seconds", type=float, default=120.0, help="how long the show streams at least")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.pins < 1:
        parser.error("--pins must be at least 1")
    workdir = Path(tempfile.mkdtemp(prefix="livestall-bench-reach-"))
    try:
        result = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(result, args)
    if args.json:
        doc = {"benchmark": "reach", "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": machine(), "command": " ".join(["python -m bench.reach", *sys.argv[1:]]),
               "parameters": {"targets": args.targets, "cpu_window_s": args.seconds, "pins": args.pins,
                              "record_s": args.record_seconds, "publisher": PUBLISHER}, **result}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
