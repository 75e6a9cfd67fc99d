"""Helpers for the video tests: publishers, media files, waiting, finding media processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.appserver import AppProcess
from tests.helpers import Actor, make_shop, make_show, register

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--use-fake-device-for-media-stream",
                 "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"]


def wait_for(check: Callable[[], object], timeout: float = 15.0, every: float = 0.1, what: str = "condition"):
    """Poll `check` until it returns something truthy; return that, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def rtmp_publisher(url: str, seconds: float | None = None, size: str = "640x360") -> subprocess.Popen:
    """ffmpeg sending a test pattern and a tone as H.264/AAC with 1 s keyframes, as OBS would."""
    duration = ["-t", str(seconds)] if seconds else []
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440", *duration, "-c:v", "libx264", "-preset", "ultrafast",
         "-tune", "zerolatency", "-g", "30", "-keyint_min", "30", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_webm(path: Path, codec: str, seconds: int) -> Path:
    """A WebM/Matroska file like MediaRecorder's: H.264 or VP8 video with 1 s keyframes, Opus audio."""
    video = (["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30", "-keyint_min", "30",
              "-cluster_time_limit", "1000", "-f", "matroska"] if codec == "h264" else
             ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k", "-g", "30",
              "-cluster_time_limit", "1000", "-f", "webm"])
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=640x360:rate=30", "-f", "lavfi", "-i", "sine", "-t", str(seconds),
                    *video[:-2], "-c:a", "libopus", *video[-2:], str(path)], check=True)
    return path


def host_with_show(api: httpx.Client, **fields) -> tuple[Actor, dict]:
    """A seller-host with a shop and a scheduled show of theirs."""
    host = register(api, roles=["seller", "host"])
    shop = make_shop(api, host)
    return host, make_show(api, host, shop["id"], **fields)


def stream_key(api: httpx.Client, actor: Actor) -> str:
    response = api.post("/api/v1/me/stream-key", headers=actor.headers)
    assert response.status_code == 201, response.text
    return response.json()["key"]


def playlist(api: httpx.Client, show_id: int, name: str = "index.m3u8") -> str | None:
    response = api.get(f"/hls/{show_id}/{name}")
    return response.text if response.status_code == 200 and "#EXTINF" in response.text else None


def segment_names(text: str | None) -> list[str]:
    return [line for line in (text or "").splitlines() if line and not line.startswith("#")]


def media_pids(marker: str) -> list[int]:
    """Pids of ffmpeg processes whose command line mentions `marker` (a show's folder)."""
    return media_pids_of("ffmpeg", marker)


def media_pids_of(program: str, marker: str) -> list[int]:
    """Pids of `program` processes whose command line mentions `marker`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(program.encode()) and any(marker.encode() in part for part in cmdline):
            pids.append(int(entry))
    return pids


def have_media_tools() -> str | None:
    """Why the video tests cannot run here, or None."""
    if not shutil.which("ffmpeg"):
        return "ffmpeg is not installed"
    if not (shutil.which("nginx") and Path("/usr/lib/nginx/modules/ngx_rtmp_module.so").exists()):
        return "nginx with libnginx-mod-rtmp is not installed"
    return None


GRACE_S = 3.0  # how long a show waits for its publisher to come back, in the video tests' servers


def start_media_app(database_url: str, data_dir: Path, env: dict[str, str], janus: bool = False) -> AppProcess:
    """`livestall serve` with nginx-rtmp supervised (RTMP on a free port, `.rtmp` its ingest base), short grace
    periods and quick media jobs; with Janus's WebSocket on the app's port + 2 when `janus`."""
    server = AppProcess(database_url=database_url, data_dir=data_dir, env={
        "LIVESTALL_MEDIA_GRACE_S": str(GRACE_S), "LIVESTALL_MEDIA_JOBS_INTERVAL_S": "0.3", **env})
    if janus:
        server.janus_port = server.port + 2
    server.start()
    server.rtmp = f"rtmp://127.0.0.1:{server.rtmp_port}/live"
    return server
