"""The sub-second stage's one cost: the per-show ffmpeg forwarding RTP into Janus, against a bare video copy.

    python -m bench.webrtc_tier --streams 1,4 --seconds 15 --json webrtc_tier.json

Every stream is a camera like OBS's (`testsrc` 640x360 at 30 fps, H.264 with 1 s GOP, AAC tone), made
by a publisher ffmpeg in real time and piped as FLV into the measured ffmpeg, which sends RTP to
loopback ports (as to a Janus mountpoint). Systems, one after the other so they never share the cores:
- forward: livestall's forwarder (media/janus_bridge.py `forward_rtp`): H.264 copied, AAC → Opus 64 kb/s.
- baseline: the same ffmpeg copying the video only (no audio): what packetising RTP costs by itself.
Measured: CPU of the measured ffmpeg processes (never the publishers) over --seconds, per stream.
Janus's own cost per viewer was measured apart: 0.8% of a core (0.46% with event_loops = 2).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

from bench.video import cpu_seconds, free_port
from livestall.media.janus_bridge import forward_rtp


def camera() -> subprocess.Popen:
    """A publisher writing FLV (H.264 + AAC, as OBS sends) to its stdout in real time."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-g", "30", "-keyint_min", "30", "-pix_fmt", "yuv420p", "-b:v", "1500k", "-c:a", "aac", "-f", "flv", "-"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def measured(system: str, source) -> subprocess.Popen:
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    argv = forward_rtp(ffmpeg, "pipe:0", free_port(), free_port())
    if system == "baseline":  # keep the video half: drop the audio map and everything after it
        argv = argv[:argv.index("-map", argv.index("-map") + 1)]
    return subprocess.Popen(argv, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(system: str, streams: int, seconds: float) -> dict:
    cameras = [camera() for _ in range(streams)]
    workers = [measured(system, c.stdout) for c in cameras]
    try:
        time.sleep(2.0)  # past start-up: the steady state is what a show costs
        before, start = [cpu_seconds(w.pid) for w in workers], time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - start
        used = [100.0 * (cpu_seconds(w.pid) - b) / elapsed for w, b in zip(workers, before)]
        alive = sum(1 for w in workers if w.poll() is None)
    finally:
        for proc in workers + cameras:
            proc.kill()
            proc.wait()
    return {"system": system, "streams": streams, "alive": alive, "cpu_pct_total": round(sum(used), 2),
            "cpu_pct_per_stream": round(sum(used) / streams, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", default="1,4", help="comma-separated stream counts")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--json", default="", help="also write the results here")
    args = parser.parse_args()
    if not shutil.which("ffmpeg"):
        print("ffmpeg is not installed", file=sys.stderr)
        return 1
    rows = [run(system, int(n), args.seconds) for n in args.streams.split(",") for system in ("forward", "baseline")]
    print(f"{'system':<10} {'streams':>7} {'alive':>5} {'cpu % total':>12} {'cpu % / stream':>15}")
    for row in rows:
        print(f"{row['system']:<10} {row['streams']:>7} {row['alive']:>5} {row['cpu_pct_total']:>12.2f} "
              f"{row['cpu_pct_per_stream']:>15.2f}")
    result = {"bench": "webrtc_tier", "cores": os.cpu_count(), "seconds": args.seconds, "rows": rows}
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
