"""Fan-out over two app processes and Redis: the `livestall_redis` system of bench.fanout.

    python -m bench.fanout --viewers 15000 --systems livestall,livestall_redis --json fanout.json

Two server processes each run the real RealtimeGateway on a Redis broker (a throwaway
redis-server); half the viewers connect to each. Only the first process publishes, so the
viewers on the second receive every event through Redis: the difference against the one-process
`livestall` row is what scaling out adds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import time

from bench.fanout import (
    HIST_MS,
    SHOW_ID,
    compact,
    cpu_seconds,
    expect,
    free_port,
    percentile,
    publish_for,
    read_line,
    rss_mb,
    say,
    spawn,
    tell,
)

SYSTEM = "livestall_redis"


async def serve_node(port: int, rate: float, seconds: float, redis_url: str, publisher: bool) -> None:
    """One app process's room server on the Redis broker; the publisher one also publishes."""
    from livestall.events import Event
    from livestall.realtime import BaseRoomHandler, RealtimeGateway
    from livestall.settings import Settings

    gateway = RealtimeGateway(BaseRoomHandler(), Settings(_env_file=None), host="127.0.0.1", port=port,
                              redis_url=redis_url)
    await gateway.start()
    say("ready")
    await read_line()
    if publisher:
        n, late = await publish_for(lambda i, t: gateway.publish(Event(SHOW_ID, "bench", {"n": i, "t": t})), rate,
                                    seconds)
    else:
        n, late = 0, 0.0
        await read_line()  # told when the publisher is done
    say("done", n, compact({**gateway.hub.stats, "late_p99_ms": late}))
    await read_line()
    await gateway.stop(drain=False, timeout=2)


def start_redis() -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("redis-server did not start")


def run(args: argparse.Namespace) -> dict:
    """Measure the two-process system; the same keys as a one-process row, plus per-process figures."""
    redis, redis_url = start_redis()
    ports = [free_port(), free_port()]
    servers = [spawn("_node", str(port), str(args.rate), str(args.seconds), redis_url, "1" if i == 0 else "0")
               for i, port in enumerate(ports)]
    clients: list[list[subprocess.Popen]] = [[], []]
    try:
        for server in servers:
            expect(server, "ready")
        halves = [args.viewers - args.viewers // 2, args.viewers // 2]
        procs_each = max(1, math.ceil(args.client_procs / 2))
        for node, (port, count) in enumerate(zip(ports, halves, strict=True)):
            per = math.ceil(count / procs_each)
            clients[node] = [spawn("_view", "127.0.0.1", str(port), str(min(per, count - i * per)))
                             for i in range(procs_each) if count - i * per > 0]
        connected = [sum(int(expect(c, "connected")[0]) for c in group) for group in clients]
        time.sleep(2.0)  # let the handshakes' garbage settle before measuring
        load = os.getloadavg()[0]
        cpu0, wall0 = [cpu_seconds(s.pid) for s in servers], time.monotonic()
        for server in servers:
            tell(server, "start")
        done = [expect(servers[0], "done")]
        tell(servers[1], "finish")
        done.append(expect(servers[1], "done"))
        cpu1, wall1 = [cpu_seconds(s.pid) for s in servers], time.monotonic()
        rss = [rss_mb(s.pid) for s in servers]
        time.sleep(args.drain)
        for group in clients:
            for c in group:
                tell(c, "stop")
        reports = [[json.loads(c.stdout.readline()) for c in group] for group in clients]
        for server in servers:
            tell(server, "stop")
    finally:
        for proc in [*servers, *clients[0], *clients[1]]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis.terminate()
        redis.wait(10)
    return summarise(args, connected, done, reports, cpu0, cpu1, wall0, wall1, rss, load)


def summarise(args, connected, done, reports, cpu0, cpu1, wall0, wall1, rss, load) -> dict:
    scheduled = int(args.rate * args.seconds)
    hists, received = [], []
    for group in reports:
        hist = [0] * (HIST_MS + 1)
        for report in group:
            for ms, count in report["hist"].items():
                hist[int(ms)] += count
        hists.append(hist)
        received.append(sum(r["received"] for r in group))
    total_hist = [a + b for a, b in zip(*hists, strict=True)]
    stats = [json.loads(d[1]) for d in done]
    elapsed = wall1 - wall0
    cpu = [c1 - c0 for c0, c1 in zip(cpu0, cpu1, strict=True)]
    writes = sum(s["batches"] * n for s, n in zip(stats, connected, strict=True))
    total = sum(connected)
    result = {
        "viewers_connected": total,
        "events_published": int(done[0][0]),
        "delivered_pct": round(100.0 * sum(received) / (scheduled * total), 3) if total else 0.0,
        "publish_s": round(elapsed, 1),
        "delivered_events_per_s": round(sum(received) / max(args.seconds, elapsed)),
        "p50_ms": percentile(total_hist, 0.50),
        "p99_ms": percentile(total_hist, 0.99),
        "max_ms": percentile(total_hist, 1.0),
        "cpu_pct_of_core": round(100.0 * sum(cpu) / elapsed, 1),  # both processes together
        "rss_mb": round(sum(rss), 1),
        "client_cpu_s": round(sum(r["cpu_s"] for group in reports for r in group), 1),
        "load_average_1m": round(load, 2),
        "frames_per_viewer": stats[0]["batches"],
        "cpu_us_per_write": round(1e6 * sum(cpu) / max(1, writes), 2),
        "server_loop_lag_p99_ms": stats[0]["late_p99_ms"],
        "processes": 2,
        # Per process: [the publishing one, the one that hears every event through Redis].
        "viewers_by_process": connected,
        "delivered_pct_by_process": [round(100.0 * r / (scheduled * n), 3) if n else 0.0
                                     for r, n in zip(received, connected, strict=True)],
        "p50_ms_by_process": [percentile(h, 0.50) for h in hists],
        "p99_ms_by_process": [percentile(h, 0.99) for h in hists],
        "cpu_pct_of_core_by_process": [round(100.0 * c / elapsed, 1) for c in cpu],
        "rss_mb_by_process": [round(r, 1) for r in rss],
        "frames_per_viewer_by_process": [s["batches"] for s in stats],
    }
    return result


def added_latency(results: dict) -> dict:
    """What two processes over Redis add against one process, when both were run."""
    one, two = results.get("livestall"), results.get(SYSTEM)
    if not one or not two:
        return {}
    return {"redis_added_p50_ms": round(two["p50_ms"] - one["p50_ms"], 1),
            "redis_added_p99_ms": round(two["p99_ms"] - one["p99_ms"], 1),
            "redis_remote_added_p50_ms": round(two["p50_ms_by_process"][1] - one["p50_ms"], 1),
            "redis_remote_added_p99_ms": round(two["p99_ms_by_process"][1] - one["p99_ms"], 1)}


def print_summary(results: dict) -> None:
    """The lines under the table: viewers per process, latency per process, and the added latency."""
    two = results.get(SYSTEM)
    if not two:
        return
    a, b = two["viewers_by_process"]
    print(f"{SYSTEM}: {a} + {b} viewers on 2 processes; p50/p99 ms {two['p50_ms_by_process'][0]:.0f}/"
          f"{two['p99_ms_by_process'][0]:.0f} on the publishing process, {two['p50_ms_by_process'][1]:.0f}/"
          f"{two['p99_ms_by_process'][1]:.0f} through Redis; server CPU % of a core "
          f"{two['cpu_pct_of_core_by_process'][0]:.1f} + {two['cpu_pct_of_core_by_process'][1]:.1f}")
    added = added_latency(results)
    if added:
        print(f"added against one process: p50 {added['redis_added_p50_ms']:+.0f} ms, p99 "
              f"{added['redis_added_p99_ms']:+.0f} ms (viewers through Redis only: p50 "
              f"{added['redis_remote_added_p50_ms']:+.0f} ms, p99 {added['redis_remote_added_p99_ms']:+.0f} ms)")
