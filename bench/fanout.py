"""Room fan-out: N WebSocket viewers of one show, Livestall's gateway against a bare websockets broadcast.

    python -m bench.fanout --viewers 2000 --rate 10 --seconds 10 --json fanout.json

Each system runs in its own server process, with a publisher inside it at --rate events/s
(each event carries its send time); viewers are real WebSocket connections spread over
client processes. Systems run one after the other, never at once, so they do not share
the two cores. `asgi` (optional) is the same tick-merging room served per connection through
uvicorn's ASGI send, the transport DESIGN.md warns about. `livestall_redis` (optional) is two
app processes on a Redis broker, viewers split between them (bench/fanout_redis.py).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

SHOW_ID = 1
HIST_MS = 120_000
ROOT = Path(__file__).resolve().parents[1]


def raise_nofile(target: int = 20_000) -> int:
    """Lift RLIMIT_NOFILE towards `target` (thousands of sockets per process); return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, target))
            return target
        except (ValueError, OSError):
            target = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, target), hard))
    return max(soft, target)


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


async def read_line() -> str:
    return (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()


def say(*parts: object) -> None:
    print(*parts, flush=True)


def compact(obj: object) -> str:
    """JSON without spaces: the control lines are split on whitespace."""
    return json.dumps(obj, separators=(",", ":"))


# -- servers (one process each) ----------------------------------------------------------------

async def publish_for(publish, rate: float, seconds: float) -> tuple[int, float]:
    """Call publish(n, due_at) rate x seconds times, at random moments (the same ones every run).

    Returns the count and the p99 of how late the publisher ran (the server loop's lag), in ms.
    A server that falls so far behind that publishing is not over by twice `seconds` stops
    there: the events it never sent count as not delivered, and the run stays bounded.
    """
    # Random arrivals, like chat and sales, so that no system gains from a publisher in step
    # with its tick; a fixed seed so that every system gets the same schedule. Each event
    # carries the wall time it was due, not the time the loop got round to it: a server too
    # busy to publish on time (as real requests would queue) must show it as latency.
    rng = random.Random(42)
    offsets = sorted(rng.uniform(0, seconds) for _ in range(int(rate * seconds)))
    loop = asyncio.get_running_loop()
    start, wall_start, n, late = loop.time(), time.time(), 0, []
    while n < len(offsets):
        now = loop.time() - start
        if now > 2 * seconds:
            break
        while n < len(offsets) and offsets[n] <= now <= 2 * seconds:
            publish(n, wall_start + offsets[n])
            late.append(now - offsets[n])
            n += 1
            now = loop.time() - start  # publishing may itself take long (a bare broadcast does)
        if n < len(offsets):
            await asyncio.sleep(max(0.0, offsets[n] - (loop.time() - start)))
    late.sort()
    return n, round(1000 * late[min(len(late) - 1, int(0.99 * len(late)))], 1) if late else 0.0


async def serve_livestall(port: int, rate: float, seconds: float) -> None:
    from livestall.events import Event
    from livestall.realtime import BaseRoomHandler, RealtimeGateway
    from livestall.settings import Settings

    gateway = RealtimeGateway(BaseRoomHandler(), Settings(_env_file=None), host="127.0.0.1", port=port,
                              redis_url="")
    await gateway.start()
    say("ready")
    await read_line()
    n, late = await publish_for(lambda i, t: gateway.publish(Event(SHOW_ID, "bench", {"n": i, "t": t})), rate,
                                seconds)
    say("done", n, compact({**gateway.hub.stats, "late_p99_ms": late}))
    await read_line()
    await gateway.stop(drain=False, timeout=2)


async def serve_baseline(port: int, rate: float, seconds: float) -> None:
    from websockets.asyncio.server import broadcast, serve

    conns: set = set()

    async def handler(ws) -> None:
        conns.add(ws)
        try:
            await ws.wait_closed()
        finally:
            conns.discard(ws)

    server = await serve(handler, "127.0.0.1", port, compression=None, backlog=4096)
    say("ready")
    await read_line()
    n, late = await publish_for(
        lambda i, t: broadcast(conns, json.dumps({"type": "bench", "data": {"n": i, "t": t}})), rate, seconds)
    say("done", n, compact({"batches": n, "late_p99_ms": late}))
    await read_line()
    server.close()


async def serve_asgi(port: int, rate: float, seconds: float) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    conns: set = set()
    pending: list = []
    batches = [0]

    async def endpoint(ws) -> None:
        await ws.accept()
        conns.add(ws)
        try:
            async for _ in ws.iter_text():
                pass
        finally:
            conns.discard(ws)

    async def ticker() -> None:  # the hub's merging and stretching, but one ASGI send per socket
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            if pending:
                text = json.dumps({"type": "batch", "events": pending[:]})
                pending.clear()
                batches[0] += 1
                for ws in list(conns):
                    try:
                        await ws.send_text(text)
                    except Exception:
                        pass
            took = loop.time() - started
            await asyncio.sleep(max(0.1, took * 2) - took)

    app = Starlette(routes=[WebSocketRoute("/ws/shows/{show_id}", endpoint)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096,
                                           lifespan="off", ws_max_size=65536))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    tick = asyncio.create_task(ticker())
    say("ready")
    await read_line()
    n, late = await publish_for(lambda i, t: pending.append({"type": "bench", "data": {"n": i, "t": t}}), rate,
                                seconds)
    say("done", n, compact({"batches": batches[0], "late_p99_ms": late}))
    await read_line()
    tick.cancel()
    server.should_exit = True
    await serving


# -- viewers (client processes) ----------------------------------------------------------------

class Tally:
    """What one client process saw: bench events received and their latencies (1 ms buckets)."""

    def __init__(self) -> None:
        self.received = 0
        self.hist = [0] * (HIST_MS + 1)
        self.cache: dict[bytes, list[float]] = {}

    def frame(self, payload: bytes) -> None:
        now = time.time()
        # Viewers in one process get the same bytes: parse each distinct frame once.
        sent = self.cache.get(payload)
        if sent is None:
            msg = json.loads(payload)
            events = msg.get("events", ()) if msg.get("type") == "batch" else (msg,)
            sent = [ev["data"]["t"] for ev in events if ev.get("type") == "bench"]
            if len(self.cache) > 256:
                self.cache.clear()
            self.cache[payload] = sent
        hist = self.hist
        for t in sent:
            hist[min(HIST_MS, int((now - t) * 1000))] += 1
        self.received += len(sent)


class Viewer(asyncio.Protocol):
    """A minimal RFC 6455 client: handshake, unmasked server frames, pong and close replies."""

    def __init__(self, tally: Tally, host: str, port: int, path: str, opened: asyncio.Future) -> None:
        self.tally, self.host, self.port, self.path, self.opened = tally, host, port, path, opened
        self.buf = bytearray()
        self.open = False
        self.transport = None
        self.status = ""  # the handshake's HTTP status, once answered

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                        .encode())

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_result(False)
        self.open = False

    def closed(self, payload: bytes) -> None:
        """Hook: the server's close frame arrived (payload: 2-byte code, then the reason)."""

    def _send(self, opcode: int, payload: bytes) -> None:
        # Client frames must be masked; an all-zero key leaves the payload as it is.
        self.transport.write(bytes((0x80 | opcode, 0x80 | len(payload))) + b"\0\0\0\0" + payload)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            ok = buf[:12] == b"HTTP/1.1 101"
            self.status = bytes(buf[9:12]).decode(errors="replace")  # for callers that report refusals
            del buf[: end + 4]
            self.open = ok
            self.opened.set_result(ok)
            if not ok:
                self.transport.close()
                return
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, length, head = buf[pos], buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            opcode = b0 & 0x0F
            if opcode == 1:
                self.tally.frame(payload)
            elif opcode == 9:
                self._send(0xA, payload)
            elif opcode == 8:
                self.closed(payload)
                self._send(0x8, payload[:2])
                self.transport.close()
        del buf[:pos]


async def run_viewers(host: str, port: int, count: int) -> None:
    loop = asyncio.get_running_loop()
    tally = Tally()
    path = f"/ws/shows/{SHOW_ID}"
    viewers, ok = [], 0
    for start in range(0, count, 200):  # in waves, so that the listen backlog never overflows
        wave = []
        for _ in range(min(200, count - start)):
            opened = loop.create_future()
            viewer = Viewer(tally, host, port, path, opened)
            wave.append((loop.create_connection(lambda v=viewer: v, host, port), opened))
            viewers.append(viewer)
        results = await asyncio.gather(*(c for c, _ in wave), return_exceptions=True)
        for result, (_, opened) in zip(results, wave, strict=True):
            if isinstance(result, BaseException):
                opened.set_result(False)
        ok += sum([await asyncio.wait_for(o, 30) if not o.done() else o.result() for _, o in wave])
    say("connected", ok)
    await read_line()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    say(json.dumps({"received": tally.received, "hist": {i: c for i, c in enumerate(tally.hist) if c},
                    "open": sum(v.open for v in viewers), "cpu_s": usage.ru_utime + usage.ru_stime}))
    for viewer in viewers:
        if viewer.transport is not None:
            viewer.transport.abort()


# -- orchestration -----------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def spawn(*args: str, module: str = "bench.fanout") -> subprocess.Popen:
    """`python -m module args...` with src/ and the repository on the path, speaking lines on stdin/stdout."""
    paths = [str(ROOT / "src"), str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.Popen([sys.executable, "-m", module, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def expect(proc: subprocess.Popen, word: str) -> list[str]:
    line = proc.stdout.readline().split()
    if not line or line[0] != word:
        raise RuntimeError(f"expected {word!r} from pid {proc.pid}, got {line!r}")
    return line[1:]


def tell(proc: subprocess.Popen, line: str) -> None:
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def percentile(hist: list[int], q: float) -> float:
    total = sum(hist)
    if not total:
        return float("nan")
    rank, seen = math.ceil(q * total), 0
    for ms, count in enumerate(hist):
        seen += count
        if seen >= rank:
            return float(ms)
    return float(len(hist) - 1)


def run_system(system: str, args: argparse.Namespace, port: int) -> dict:
    server = spawn("_serve", system, str(port), str(args.rate), str(args.seconds))
    clients = []
    try:
        expect(server, "ready")
        per = math.ceil(args.viewers / args.client_procs)
        clients = [spawn("_view", "127.0.0.1", str(port), str(min(per, args.viewers - i * per)))
                   for i in range(args.client_procs) if args.viewers - i * per > 0]
        connected = sum(int(expect(c, "connected")[0]) for c in clients)
        time.sleep(2.0)  # let the handshakes' garbage settle before measuring
        load = os.getloadavg()[0]  # the machine is shared: say how busy it was
        cpu0, wall0 = cpu_seconds(server.pid), time.monotonic()
        tell(server, "start")
        done = expect(server, "done")
        cpu1, wall1 = cpu_seconds(server.pid), time.monotonic()
        rss = rss_mb(server.pid)
        time.sleep(args.drain)
        for c in clients:
            tell(c, "stop")
        reports = [json.loads(c.stdout.readline()) for c in clients]
        tell(server, "stop")
    finally:
        for proc in [server, *clients]:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    published = int(done[0])
    scheduled = int(args.rate * args.seconds)
    hist = [0] * (HIST_MS + 1)
    for report in reports:
        for ms, count in report["hist"].items():
            hist[int(ms)] += count
    received = sum(r["received"] for r in reports)
    expected = scheduled * connected
    stats = json.loads(done[1])
    result = {
        "viewers_connected": connected,
        "events_published": published,
        "delivered_pct": round(100.0 * received / expected, 3) if expected else 0.0,
        "publish_s": round(wall1 - wall0, 1),  # longer than --seconds when the server fell behind
        "delivered_events_per_s": round(received / max(args.seconds, wall1 - wall0)),
        "p50_ms": percentile(hist, 0.50),
        "p99_ms": percentile(hist, 0.99),
        "max_ms": percentile(hist, 1.0),
        "cpu_pct_of_core": round(100.0 * (cpu1 - cpu0) / (wall1 - wall0), 1),
        "rss_mb": round(rss, 1),
        "client_cpu_s": round(sum(r["cpu_s"] for r in reports), 1),
        "load_average_1m": round(load, 2),
    }
    # Frames written per viewer (one per event for the baseline, one per tick for the others),
    # and the server's CPU per socket write: the cost that decides the transport.
    frames = stats["batches"]
    result["frames_per_viewer"] = frames
    result["cpu_us_per_write"] = round(1e6 * (cpu1 - cpu0) / max(1, frames * connected), 2)
    result["server_loop_lag_p99_ms"] = stats["late_p99_ms"]  # how late the in-server publisher ran
    if "period_s" in stats:
        result["last_tick_ms"] = round(1000 * stats["period_s"], 1)
    return result


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    raise_nofile()
    if argv and argv[0] == "_serve":
        system, port, rate, seconds = argv[1], int(argv[2]), float(argv[3]), float(argv[4])
        servers = {"livestall": serve_livestall, "baseline": serve_baseline, "asgi": serve_asgi}
        new_loop().run_until_complete(servers[system](port, rate, seconds))
        return
    if argv and argv[0] == "_node":
        from bench.fanout_redis import serve_node

        new_loop().run_until_complete(serve_node(int(argv[1]), float(argv[2]), float(argv[3]), argv[4],
                                                 argv[5] == "1"))
        return
    if argv and argv[0] == "_view":
        new_loop().run_until_complete(run_viewers(argv[1], int(argv[2]), int(argv[3])))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=10.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--drain", type=float, default=5.0, help="seconds to wait for stragglers")
    parser.add_argument("--client-procs", type=int, default=0, help="0 = one per 5,000 viewers, at least 2")
    parser.add_argument("--systems", default="livestall,baseline",
                        help="comma list of livestall,baseline,asgi,livestall_redis")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.client_procs = args.client_procs or max(2, math.ceil(args.viewers / 5000))
    systems = [name.strip() for name in args.systems.split(",") if name.strip()]
    results = {}
    for system in systems:
        print(f"running {system}: {args.viewers} viewers x {args.rate:g} events/s x {args.seconds:g} s ...",
              file=sys.stderr, flush=True)
        if system == "livestall_redis":
            from bench import fanout_redis

            results[system] = fanout_redis.run(args)
        else:
            results[system] = run_system(system, args, free_port())
        time.sleep(1.0)
    print_table(results, args)
    if "livestall_redis" in results:
        from bench import fanout_redis

        fanout_redis.print_summary(results)
    if args.json:
        args.json.write_text(json.dumps(report(results, args), indent=2) + "\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report(results: dict, args: argparse.Namespace) -> dict:
    """The --json document: parameters, machine, one object per system, and the ratios that matter."""
    out: dict = {
        "benchmark": "fanout",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": {"viewers": args.viewers, "rate_per_s": args.rate, "seconds": args.seconds,
                       "drain_s": args.drain, "client_processes": args.client_procs},
        **results,
    }
    if "livestall" in results and "baseline" in results:
        base = results["baseline"]["cpu_pct_of_core"] or float("nan")
        out["livestall_cpu_vs_baseline"] = round(results["livestall"]["cpu_pct_of_core"] / base, 2)
    if "livestall_redis" in results:
        from bench.fanout_redis import added_latency

        out.update(added_latency(results))
    return out


def machine() -> str:
    model = "unknown cpu"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, {model}, {system}, Python {platform.python_version()}"


def print_table(results: dict, args: argparse.Namespace) -> None:
    cols = [("system", "{}"), ("viewers", "{}"), ("delivered %", "{:.2f}"), ("p50 ms", "{:.0f}"),
            ("p99 ms", "{:.0f}"), ("max ms", "{:.0f}"), ("server cpu % core", "{:.1f}"), ("rss MB", "{:.0f}"),
            ("frames/viewer", "{}"), ("cpu us/write", "{:.1f}")]
    keys = ["viewers_connected", "delivered_pct", "p50_ms", "p99_ms", "max_ms", "cpu_pct_of_core", "rss_mb",
            "frames_per_viewer", "cpu_us_per_write"]
    rows = [[name] + [fmt.format(r[k]) for (_, fmt), k in zip(cols[1:], keys, strict=True)]
            for name, r in results.items()]
    widths = [max(len(c[0]), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    print(f"fan-out: {args.viewers} viewers x {args.rate:g} events/s x {args.seconds:g} s")
    print("  ".join(c[0].ljust(w) for c, w in zip(cols, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
