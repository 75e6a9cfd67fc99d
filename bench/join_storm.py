"""Join storm: a crowd pours into one live show's room while chat flows; Livestall against a bare baseline.

    python -m bench.join_storm --viewers 15000 --join-rate 1000 --senders 40 --chat-rate 10 --seconds 20 \\
        --json out.json [--processes 2] [--systems livestall,baseline]

Each system is a real server in its own process (or two, on one Redis, with --processes 2):
`livestall` is `livestall serve` on a freshly seeded database (a live show with a host, a shop and
a pinned flash sale; the senders are users with login tokens); `baseline` is a bare `websockets`
server (`--serve-baseline PORT`) that sends a small snapshot on connect, acks `chat.send` and
broadcasts the accepted messages merged per 100 ms. The same clients run against both, one system
after the other:

- senders: one client process with S logged-in sockets sending `chat.send` round-robin at
  --chat-rate, each text "m <seq> <send time>". Chat starts 1 s before the first join and stops
  --seconds after the last viewer is in (its snapshot or refusal came), so the storm is the join
  phase plus --seconds with everybody in.
- viewers: client processes (one per ~5,000) open anonymous sockets, each with its own `?viewer=`
  id, paced at --join-rate in total (not in waves), and keep them open to the end.

Measured: viewers in and refused (by close code or failure), later closes; first-frame latency
(snapshot arrival minus the start of the join); delivered % = chat messages a viewer received out
of those sent after its snapshot arrived (messages the server refused are not expected), over all
viewers; message latency p50/p99 (receive time minus send time, over those expected receipts);
joins/s achieved; server CPU % of one core from the first join to the end of the chat; server RSS
at idle and at the end, and KB per viewer in; senders' acks and errors; and the background jobs'
figures from /metrics (livestall_job_*), "n/a" when the server has none. Also, to explain tails:
the round trip of a WebSocket ping sent to each server process every 50 ms (a late pong means
its event loop stalled), and first-frame figures per second of the join phase (in the JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import errno
import gc
import itertools
import json
import math
import os
import random
import re
import resource
import sys
import tempfile
import time
import urllib.request
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.fanout import (
    HIST_MS,
    Viewer,
    compact,
    cpu_seconds,
    expect,
    free_port,
    machine,
    new_loop,
    percentile,
    raise_nofile,
    read_line,
    rss_mb,
    say,
    spawn,
    tell,
)

MODULE = "bench.join_storm"
BASELINE_SHOW = 1
CHAT_LEAD_S = 1.0  # chat flows this long before the first viewer joins
MESSAGE = re.compile(rb'"text":"m (\d+) (\d+\.\d+)"')  # a bench chat message, in a snapshot or a batch
SNAPSHOT = b'"type":"snapshot"'
ERROR_CODE = re.compile(rb'"code":"([^"]*)"')
LIVESTALL_ENV = {"LIVESTALL_LOG_LEVEL": "WARNING", "LIVESTALL_STRICT_EVENTS": "", "LIVESTALL_RTMP_ENABLED": "false",
                 "LIVESTALL_REALTIME_ANONYMOUS_PER_ADDRESS": "0"}  # every bench viewer comes from 127.0.0.1


def dumps(obj: object) -> str:
    """Compact JSON, as both servers write it (the MESSAGE pattern relies on it)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# -- the bare baseline server (its own process) -----------------------------------------------

class Relay:
    """The baseline's cross-process path with --processes 2: accepted messages over one Redis channel."""

    CHANNEL = "bench-join-storm"

    def __init__(self, url: str, node: str, heard) -> None:
        import redis.asyncio as aioredis

        self.redis, self.node, self.heard = aioredis.from_url(url), node, heard
        self.tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        """Subscribe, then hear the other process's messages in the background."""
        self.pubsub = self.redis.pubsub()
        await self.pubsub.subscribe(self.CHANNEL)
        self.keep(asyncio.create_task(self._listen()))

    def keep(self, task: asyncio.Task) -> None:
        """Hold a background task until it is done."""
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def stop(self) -> None:
        """Stop listening and close the connections."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.redis.aclose()

    def publish(self, message: dict) -> None:
        """Send an accepted message to the other process (never waits)."""
        self.keep(asyncio.create_task(self.redis.publish(self.CHANNEL, dumps({"n": self.node, "m": message}))))

    async def _listen(self) -> None:
        async for item in self.pubsub.listen():
            if item["type"] == "message":
                data = json.loads(item["data"])
                if data["n"] != self.node:
                    self.heard(data["m"])


async def serve_baseline(port: int, redis_url: str = "") -> None:
    """A bare websockets room: a small snapshot on connect, `chat.send` acked, messages broadcast per 100 ms."""
    from urllib.parse import parse_qs, urlsplit

    from websockets.asyncio.server import broadcast, serve
    from websockets.exceptions import ConnectionClosed

    node, ids = os.urandom(4).hex(), itertools.count(1)
    conns: set = set()
    history: deque = deque(maxlen=20)
    pending: list[dict] = []

    def heard(message: dict) -> None:
        pending.append(message)
        history.append(message)

    relay = Relay(redis_url, node, heard) if redis_url else None

    def answer(raw: str | bytes, token: str) -> str:
        try:
            frame = json.loads(raw)
        except ValueError:
            return dumps({"type": "error", "code": "malformed", "message": "not JSON"})
        ref, text = frame.get("id"), frame.get("text")
        if frame.get("type") != "chat.send":
            return dumps({"type": "error", "code": "unknown-type", "message": "chat.send only", "ref": ref})
        if not token:
            return dumps({"type": "error", "code": "unauthorized", "message": "log in to chat", "ref": ref})
        if not isinstance(text, str) or not text.strip():
            return dumps({"type": "error", "code": "invalid", "message": "text", "field": "text", "ref": ref})
        message = {"id": f"{node}-{next(ids)}", "user": {"id": token, "name": token[:20]}, "text": text[:300],
                   "at": datetime.now(UTC).isoformat()}
        heard(message)
        if relay is not None:
            relay.publish(message)
        return dumps({"type": "ack", "ref": ref, "data": {"message_id": message["id"]}})

    async def handler(ws) -> None:
        query = parse_qs(urlsplit(ws.request.path).query)
        bearer = ws.request.headers.get("Authorization", "")
        token = (query.get("token") or [""])[0] or bearer.removeprefix("Bearer ").strip()
        try:
            await ws.send(dumps({"type": "snapshot", "show_id": BASELINE_SHOW, "data": {"messages": list(history)}}))
            conns.add(ws)
            async for raw in ws:
                await ws.send(answer(raw, token))
        except ConnectionClosed:
            pass
        finally:
            conns.discard(ws)

    async def ticker() -> None:
        loop, seq = asyncio.get_running_loop(), 0
        while True:
            await asyncio.sleep(0.1 - loop.time() % 0.1)
            if pending:
                seq += 1
                events = [{"type": "chat.message", "data": m} for m in pending]
                pending.clear()
                broadcast(conns, dumps({"type": "batch", "show_id": BASELINE_SHOW, "seq": seq, "events": events}))

    if relay is not None:
        await relay.start()
    server = await serve(handler, "127.0.0.1", port, compression=None, backlog=4096)
    tick = asyncio.create_task(ticker())
    say("ready")
    while (await read_line()) not in ("stop", ""):
        pass
    tick.cancel()
    server.close()
    if relay is not None:
        await relay.stop()


# -- viewers (client processes) ----------------------------------------------------------------

class Frames:
    """What one client process shares between its viewers: parsed batches (by their bytes) and latencies."""

    def __init__(self) -> None:
        self.cache: dict[bytes, list[tuple[int, float]]] = {}
        self.hist = [0] * (HIST_MS + 1)
        self.dupes = 0

    def messages(self, payload: bytes) -> list[tuple[int, float]]:
        """The bench messages in a frame: (seq, send time); viewers in one process get the same bytes."""
        found = self.cache.get(payload)
        if found is None:
            found = [(int(seq), float(sent)) for seq, sent in MESSAGE.findall(payload)]
            if len(self.cache) > 256:
                self.cache.clear()
            self.cache[payload] = found
        return found


class StormViewer(Viewer):
    """One viewer socket: when it set out, when its snapshot came, the chat it got, and how it ended.

    fanout.Viewer hands every text frame to `tally.frame`: here the viewer is its own tally.
    """

    def __init__(self, frames: Frames, host: str, port: int, path: str, opened: asyncio.Future) -> None:
        super().__init__(self, host, port, path, opened)  # type: ignore[arg-type]
        self.frames = frames
        self.start = self.first = 0.0
        self.fail = ""  # why it never got its snapshot
        self.after = ""  # how it was closed after its snapshot
        self.got = self.earlier = 0  # expected messages received; earlier ones (sent before its snapshot) received
        self.seen = bytearray()
        self.done = False  # the bench is over: what happens to the socket now is ours

    def frame(self, payload: bytes) -> None:
        """A text frame: the first one is the snapshot (or a refusal), the others may carry chat."""
        now = time.time()
        if self.first:
            found = self.frames.messages(payload)
            if found:
                self.keep(found, now)
        elif payload.find(SNAPSHOT, 0, 64) >= 0:
            self.first = now
            self.keep([(int(s), float(t)) for s, t in MESSAGE.findall(payload)], now)
        elif not self.fail:
            code = ERROR_CODE.search(payload)
            self.fail = "error " + (code.group(1).decode() if code else "?")

    def keep(self, found: list[tuple[int, float]], now: float) -> None:
        """Count each message once: expected if sent after the snapshot arrived, else earlier."""
        seen, first, frames = self.seen, self.first, self.frames
        for seq, sent in found:
            if seq >= len(seen):
                seen.extend(bytes(seq + 64 - len(seen)))
            if seen[seq]:
                frames.dupes += 1
                continue
            seen[seq] = 1
            if sent > first:
                self.got += 1
                frames.hist[min(HIST_MS, max(0, int((now - sent) * 1000)))] += 1
            else:
                self.earlier += 1

    def closed(self, payload: bytes) -> None:
        """The server closed the socket: a refusal before the snapshot, a close after it."""
        code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
        if self.first:
            self.after = self.after or f"close {code}"
        else:
            self.fail = f"close {code}"

    def connection_lost(self, exc) -> None:
        """The socket is gone: note it unless the bench is over or the close was already noted."""
        super().connection_lost(exc)
        if self.done:
            return
        if self.first:
            self.after = self.after or "lost"
        elif not self.fail:
            self.fail = f"http {self.status}" if self.status and self.status != "101" else "lost"


async def join(viewer: StormViewer, host: str, port: int) -> None:
    """Open one viewer's socket now; a refused connection is recorded, not raised."""
    viewer.start = time.time()
    try:
        await asyncio.get_running_loop().create_connection(lambda: viewer, host, port)
    except OSError as exc:
        viewer.fail = "connect " + errno.errorcode.get(exc.errno or 0, str(exc.errno))


async def pace(viewers: list[StormViewer], due: list[float], host: str, ports: list[int]) -> list[float]:
    """Start each viewer's join at its due time (late ones at once); return how late each started."""
    loop, tasks, late = asyncio.get_running_loop(), set(), []
    for i, viewer in enumerate(viewers):
        wait = due[i] - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        late.append(max(0.0, time.time() - due[i]))
        task = loop.create_task(join(viewer, host, ports[i]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    return late


async def run_viewers(cfg: dict) -> None:
    """A client process: its share of the viewers, joined on schedule, held open until told to report."""
    loop, frames = asyncio.get_running_loop(), Frames()
    mine = range(cfg["index"], cfg["viewers"], cfg["procs"])
    ports = [cfg["ports"][g % len(cfg["ports"])] for g in mine]
    viewers = [StormViewer(frames, cfg["host"], port, f"/ws/shows/{cfg['show']}?viewer={os.urandom(12).hex()}",
                           loop.create_future()) for port in ports]
    gc.collect()
    gc.freeze()  # the viewers live to the end: keep them out of the collector's scans
    say("ready", len(viewers))
    t0 = float((await read_line()).split()[1])
    due = [t0 + g / cfg["rate"] for g in mine]
    late = await pace(viewers, due, cfg["host"], ports)
    deadline = (due[-1] if due else t0) + cfg["timeout"]
    while time.time() < deadline and any(not (v.first or v.fail) for v in viewers):
        await asyncio.sleep(0.05)
    say("joined", f"{time.time():.6f}")
    await read_line()
    say(compact(viewer_report(viewers, frames, late)))
    for viewer in viewers:
        viewer.done = True
        if viewer.transport is not None:
            viewer.transport.abort()


def viewer_report(viewers: list[StormViewer], frames: Frames, late: list[float]) -> dict:
    """One client process's figures: per viewer (parallel lists) and for the process."""
    late.sort()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"start": [round(v.start, 6) for v in viewers], "first": [round(v.first, 6) for v in viewers],
            "fail": [v.fail for v in viewers], "after": [v.after for v in viewers], "got": [v.got for v in viewers],
            "earlier": [v.earlier for v in viewers], "hist": {i: c for i, c in enumerate(frames.hist) if c},
            "dupes": frames.dupes, "open": sum(v.open for v in viewers),
            "join_late_p99_ms": round(1000 * late[int(0.99 * (len(late) - 1))], 1) if late else 0.0,
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "max_rss_mb": round(usage.ru_maxrss / 1024, 1)}


# -- senders (one client process) --------------------------------------------------------------

@dataclass
class Sent:
    """The senders' record: each message's send time and answer ("ack", an error code, or "" for none)."""

    times: list[float] = field(default_factory=list)
    answers: dict[int, str] = field(default_factory=dict)
    other_errors: Counter = field(default_factory=Counter)  # error frames without a ref
    closes: Counter = field(default_factory=Counter)


async def listen(ws, sent: Sent) -> None:
    """Read one sender's frames: note acks and errors, skip the rest unparsed."""
    from websockets.exceptions import ConnectionClosed

    try:
        async for raw in ws:
            head = raw[:48]
            if '"ack"' in head or '"error"' in head:
                frame = json.loads(raw)
                ref = frame.get("ref")
                answer = "ack" if frame.get("type") == "ack" else str(frame.get("code"))
                if isinstance(ref, int) and ref in sent.answers:
                    sent.answers[ref] = answer
                else:
                    sent.other_errors[answer] += 1
    except ConnectionClosed as exc:
        sent.closes[str(exc.rcvd.code if exc.rcvd else "lost")] += 1


async def send_chat(conns: list, rate: float, sent: Sent) -> None:
    """Round-robin `chat.send` over the sockets at `rate` per second: message n at a random moment of slot n.

    Random within its slot, so that no system gains from a sender in step with its tick (the
    baseline's 100 ms ticks would otherwise see every message at the same phase); a fixed seed,
    so that every system gets the same schedule.
    """
    from websockets.exceptions import ConnectionClosed

    loop, rng = asyncio.get_running_loop(), random.Random(42)
    start = loop.time()
    for n in itertools.count():
        wait = start + (n + rng.random()) / rate - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        now = time.time()
        sent.times.append(now)
        sent.answers[n] = ""
        try:
            await conns[n % len(conns)].send(dumps({"type": "chat.send", "id": n, "text": f"m {n} {now:.6f}"}))
        except ConnectionClosed:
            sent.answers[n] = "closed"


async def probe(ws, index: int, pongs: list) -> None:
    """Ping one server process every 50 ms: a late pong means its event loop was busy (a stall)."""
    from websockets.exceptions import ConnectionClosed

    while True:
        started = time.time()
        try:
            await asyncio.wait_for(await ws.ping(), 30)
        except (TimeoutError, ConnectionClosed):
            return
        pongs.append([round(started, 3), round(1000 * (time.time() - started), 1), index])
        await asyncio.sleep(0.05)


async def run_senders(cfg: dict) -> None:
    """The sender process: log in S sockets, chat from "start" to "stop", then report every message."""
    from websockets.asyncio.client import connect

    sent, conns, owners, refused = Sent(), [], [], Counter()
    for i, (port, token) in enumerate(cfg["targets"]):
        ws = await connect(f"ws://{cfg['host']}:{port}/ws/shows/{cfg['show']}", compression=None, max_size=None,
                           additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=30)
        first = await ws.recv()
        if SNAPSHOT.decode() in first[:64]:
            conns.append(ws)
            owners.append(i % cfg["processes"])  # the server process it is on
        else:
            refused[str(json.loads(first).get("code"))] += 1
    readers = [asyncio.create_task(listen(ws, sent)) for ws in conns]
    say("connected", len(conns), compact(dict(refused)))
    await read_line()
    pongs: list = []
    tasks = [asyncio.create_task(send_chat(conns, cfg["rate"], sent))] if conns else []  # none in: no chat
    tasks += [asyncio.create_task(probe(conns[owners.index(p)], p, pongs)) for p in set(owners)]
    await read_line()
    for task in tasks:
        task.cancel()
    for _ in range(30):  # up to 3 s for the last answers
        if all(sent.answers.values()):
            break
        await asyncio.sleep(0.1)
    say(compact({"sent": [[n, round(t, 6), sent.answers[n]] for n, t in enumerate(sent.times)],
                 "other_errors": dict(sent.other_errors), "closes": dict(sent.closes), "pongs": pongs}))
    for task in readers:
        task.cancel()
    for ws in conns:
        ws.transport.abort()


# -- the servers under test ---------------------------------------------------------------------

@dataclass
class Target:
    """One server process: where its rooms listen and where its metrics are."""

    pid: int
    ws_port: int
    metrics_url: str | None = None
    log: Path | None = None


@dataclass
class Setup:
    """A running system: its processes, the show and the senders' tokens, and how to stop it."""

    targets: list[Target]
    show_id: int
    tokens: list[str]
    stoppers: list = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception as exc:  # a stop must not hide the run's result
                print(f"stopping failed: {exc}", file=sys.stderr)


def start_livestall(args: argparse.Namespace, tmp: Path, redis_url: str) -> Setup:
    """Seed a live show into a fresh database, then `livestall serve` once per process on it."""
    from bench.flash_world import seed
    from livestall import migrate
    from tests.appserver import AppProcess

    url = database_url(args, tmp)
    migrate.upgrade(url)
    world = asyncio.run(seed(url, buyers=args.senders, stock=100, per_buyer_limit=None, tag="storm", quiesce=True))
    env = {**LIVESTALL_ENV, **({"LIVESTALL_REDIS_URL": redis_url} if redis_url else {})}
    setup = Setup([], world.show_id, world.tokens)
    for i in range(args.processes):
        app = AppProcess(database_url=url, data_dir=tmp / f"app{i}", env=env)
        setup.stoppers.append(app.stop)
        app.start()
        setup.targets.append(Target(app.proc.pid, app.ws_port, f"{app.url}/metrics", app.log_path))
    return setup


def database_url(args: argparse.Namespace, tmp: Path) -> str:
    """A fresh SQLite file, or a fresh database on a private PostgreSQL server (--database postgresql)."""
    if args.database == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'storm.db'}"
    from tests.services import create_database, postgres_server

    base = args.stack.enter_context(postgres_server())
    return create_database(base, "join_storm")


def start_baseline(args: argparse.Namespace, redis_url: str) -> Setup:
    """One bare baseline process per --processes, on one Redis channel when there are two."""
    setup = Setup([], BASELINE_SHOW, [f"baseline-sender-{i}" for i in range(args.senders)])
    for _ in range(args.processes):
        port = free_port()
        proc = spawn("--serve-baseline", str(port), *(["--redis", redis_url] if redis_url else []), module=MODULE)
        setup.stoppers.append(lambda p=proc: stop_child(p))
        expect(proc, "ready")
        setup.targets.append(Target(proc.pid, port))
    return setup


def stop_child(proc) -> None:
    """Ask a child to stop (a line, then end of input); kill it if it lingers."""
    try:
        tell(proc, "stop")
        proc.stdin.close()
    except (BrokenPipeError, ValueError):
        pass
    try:
        proc.wait(timeout=10)
    except Exception:
        proc.kill()
        proc.wait(5)


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a server may run helpers), from the parent ids in /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    pids = [pid]
    for p in pids:
        pids.extend(parents.get(p, ()))
    return pids


def cpu_of(targets: list[Target]) -> list[float]:
    """CPU seconds used so far by each server process with its descendants."""
    return [sum(_safe(cpu_seconds, p) for p in process_tree(t.pid)) for t in targets]


def rss_of(targets: list[Target]) -> list[float]:
    """Resident MB of each server process with its descendants."""
    return [sum(_safe(rss_mb, p) for p in process_tree(t.pid)) for t in targets]


def _safe(read, pid: int) -> float:
    try:
        return read(pid)
    except OSError:  # gone in between
        return 0.0


# -- the server's own figures (Prometheus text) --------------------------------------------------

SERIES = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
WATCHED = ("livestall_job_", "livestall_room_")


def scrape(url: str | None) -> dict[tuple[str, tuple], float] | None:
    """The job and room series of one process's /metrics, or None when there is none."""
    if not url:
        return None
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
    except (OSError, ValueError):
        return None
    series = {}
    for line in text.splitlines():
        match = SERIES.match(line)
        if match and match.group(1).startswith(WATCHED):
            labels = tuple(sorted(LABEL.findall(match.group(2) or "")))
            series[(match.group(1), labels)] = float(match.group(3))
    return series


def job_figures(before: list, after: list) -> dict | None:
    """Per job over the storm, all processes together: ticks, failures, tick-time count/sum/max bucket."""
    jobs: dict[str, dict] = {}
    for old, new in zip(before, after, strict=True):
        for (name, labels), value in (new or {}).items():
            if not name.startswith("livestall_job_") or name.endswith("_created"):
                continue
            label = dict(labels)
            job = jobs.setdefault(label.get("job", "all"), {"ticks": 0.0, "failures": 0.0, "count": 0.0,
                                                            "sum_s": 0.0, "buckets": Counter(), "max_s": None})
            delta = value - (old or {}).get((name, labels), 0.0)
            if name == "livestall_job_ticks_total":
                job["ticks"] += delta
            elif name == "livestall_job_failures_total":
                job["failures"] += delta
            elif name == "livestall_job_tick_seconds_count":
                job["count"] += delta
            elif name == "livestall_job_tick_seconds_sum":
                job["sum_s"] += delta
            elif name == "livestall_job_tick_seconds_bucket":
                job["buckets"][float(label.get("le", "inf"))] += delta
            elif name == "livestall_job_tick_seconds_max":
                job["max_s"] = max(job["max_s"] or 0.0, value)
    if not jobs:
        return None
    return {name: finish_job(job) for name, job in sorted(jobs.items())}


def finish_job(job: dict) -> dict:
    """Round a job's figures and say between which bucket bounds its slowest tick fell."""
    buckets = sorted(job.pop("buckets").items())
    slowest, bound, below = None, None, 0.0
    for le, cumulative in buckets:
        if cumulative >= job["count"] > 0:
            slowest, bound = (f"({below:g}, {le:g}] s" if below else f"<= {le:g} s"), le
            break
        below = le
    return {"ticks": int(job["ticks"]), "failures": int(job["failures"]), "tick_count": int(job["count"]),
            "tick_sum_s": round(job["sum_s"], 4), "slowest_tick": slowest, "slowest_le_s": bound,
            "max_s": job["max_s"]}


def room_figures(before: list, after: list) -> dict:
    """The room counters that tell of trouble (drops, resyncs), over the storm, all processes together."""
    out: Counter = Counter()
    for old, new in zip(before, after, strict=True):
        for (name, labels), value in (new or {}).items():
            if name.startswith("livestall_room_") and name.endswith("_total") and not labels:
                out[name.removeprefix("livestall_room_")] += value - (old or {}).get((name, labels), 0.0)
    return {k: int(v) for k, v in sorted(out.items())}


def log_problems(targets: list[Target]) -> list[str]:
    """Lines of the servers' logs at WARNING or worse (the servers log at WARNING), the first few."""
    lines = []
    for target in targets:
        if target.log and target.log.exists():
            lines += [line[:300] for line in target.log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[:20] + ([f"... {len(lines) - 20} more"] if len(lines) > 20 else [])


# -- orchestration ------------------------------------------------------------------------------

@dataclass
class Storm:
    """What one run of the storm produced, before it is summed up."""

    viewers: list[dict]
    sent: dict
    senders_in: int
    senders_refused: dict
    cpu_s: list[float]  # per server process (with its descendants)
    storm_s: float
    rss_idle: list[float]
    rss_end: list[float]
    metrics_before: list
    metrics_after: list
    load: float


def run_system(system: str, args: argparse.Namespace, redis_url: str) -> dict:
    """Start one system, storm it, stop it, and sum it up."""
    with tempfile.TemporaryDirectory(prefix="join-storm-") as tmp:
        setup = start_livestall(args, Path(tmp), redis_url) if system == "livestall" else start_baseline(args,
                                                                                                        redis_url)
        try:
            storm = storm_it(setup, args)
            problems = log_problems(setup.targets)
        finally:
            setup.stop()
    return summarise(storm, args, problems)


def storm_it(setup: Setup, args: argparse.Namespace) -> Storm:
    """Senders in, viewers ready; then chat, the paced joins, --seconds more of chat, and the reports."""
    ports = [t.ws_port for t in setup.targets]
    common = {"host": "127.0.0.1", "show": setup.show_id}
    sender = spawn("_send", compact({**common, "rate": args.chat_rate, "processes": len(ports), "targets": [
        [ports[i % len(ports)], setup.tokens[i]] for i in range(args.senders)]}), module=MODULE)
    clients = [spawn("_view", compact({**common, "ports": ports, "viewers": args.viewers, "rate": args.join_rate,
                                       "procs": args.client_procs, "index": k, "timeout": args.join_timeout}),
                     module=MODULE) for k in range(args.client_procs)]
    try:
        in_, refused = expect(sender, "connected")
        for client in clients:
            expect(client, "ready")
        time.sleep(2.0)  # idle: let the start-up's garbage settle
        rss_idle, load = rss_of(setup.targets), os.getloadavg()[0]
        before = [scrape(t.metrics_url) for t in setup.targets]
        tell(sender, "start")
        t0 = time.time() + CHAT_LEAD_S
        for client in clients:
            tell(client, f"go {t0:.6f}")
        time.sleep(max(0.0, t0 - time.time()))
        cpu0, wall0 = cpu_of(setup.targets), time.time()
        last_in = max(float(expect(client, "joined")[0]) for client in clients)
        time.sleep(max(0.0, last_in + args.seconds - time.time()))
        tell(sender, "stop")
        cpu1, wall1 = cpu_of(setup.targets), time.time()
        rss_end, after = rss_of(setup.targets), [scrape(t.metrics_url) for t in setup.targets]
        time.sleep(args.drain)  # the last batches are on their way
        for client in clients:
            tell(client, "report")
        viewers = [json.loads(client.stdout.readline()) for client in clients]
        sent = json.loads(sender.stdout.readline())
    finally:
        for proc in [sender, *clients]:
            stop_child(proc)
    cpu = [b - a for a, b in zip(cpu0, cpu1, strict=True)]
    return Storm(viewers, sent, int(in_), json.loads(refused), cpu, wall1 - wall0, rss_idle, rss_end, before, after,
                 load)


def quantile(values: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank); NaN when there are none."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def by_second(flat: list[dict]) -> list[list]:
    """First-frame figures per second of the join phase (by join start): [s, joins, in, p50, p99, max] in ms."""
    t0 = min((v["start"] for v in flat if v["start"]), default=0.0)
    seconds: dict[int, list] = {}
    for v in flat:
        if v["start"]:
            seconds.setdefault(int(v["start"] - t0), []).append(v)
    rows = []
    for second, group in sorted(seconds.items()):
        waits = sorted(1000 * (v["first"] - v["start"]) for v in group if v["first"])
        rows.append([second, len(group), len(waits), *(round(quantile(waits, q), 1) for q in (0.5, 0.99, 1.0))])
    return rows


def stalls(pongs: list, t0: float) -> dict:
    """The servers' ping round trips over the storm: p50/p99/max, and the worst five [s after t0, ms, process]."""
    rtts = sorted(ms for _, ms, _ in pongs)
    worst = sorted(pongs, key=lambda p: -p[1])[:5]
    return {"ping_p50_ms": quantile(rtts, 0.5), "ping_p99_ms": quantile(rtts, 0.99),
            "ping_max_ms": rtts[-1] if rtts else float("nan"),
            "ping_worst": [[round(t - t0, 1), ms, proc] for t, ms, proc in worst]}


def flatten(reports: list[dict]) -> list[dict]:
    """Every viewer of every client process as one dict."""
    keys = ("start", "first", "fail", "after", "got", "earlier")
    return [dict(zip(keys, row, strict=True)) for r in reports for row in zip(*(r[k] for k in keys), strict=True)]


def viewer_figures(storm: Storm) -> dict:
    """Joins, refusals, delivery and latency, from the viewers' reports and the senders' record."""
    expected_times = sorted(t for _, t, answer in storm.sent["sent"] if answer in ("ack", ""))  # not the refused
    flat = flatten(storm.viewers)
    joined = [v for v in flat if v["first"]]
    expected = sum(len(expected_times) - bisect.bisect_right(expected_times, v["first"]) for v in joined)
    got, earlier = sum(v["got"] for v in joined), sum(v["earlier"] for v in joined)
    hist = [0] * (HIST_MS + 1)
    for r in storm.viewers:
        for ms, count in r["hist"].items():
            hist[int(ms)] += count
    waits = sorted(1000 * (v["first"] - v["start"]) for v in joined)
    t0 = min((v["start"] for v in flat if v["start"]), default=0.0)
    span = max(v["first"] for v in joined) - t0 if joined else 0.0
    return {
        "viewers_in": len(joined), "refused": len(flat) - len(joined),
        "refused_by": dict(Counter(v["fail"] or "no snapshot in time" for v in flat if not v["first"])),
        "closed_later_by": dict(Counter(v["after"] for v in joined if v["after"])),
        "delivered_pct": round(100.0 * got / expected, 3) if expected else float("nan"),
        "delivered_pct_incl_earlier": round(100.0 * (got + earlier) / (expected + earlier), 3)
        if expected + earlier else float("nan"),
        "expected_receipts": expected, "received_receipts": got, "earlier_receipts": earlier,
        "duplicates": sum(r["dupes"] for r in storm.viewers),
        "latency_p50_ms": percentile(hist, 0.50), "latency_p99_ms": percentile(hist, 0.99),
        "latency_max_ms": percentile(hist, 1.0),
        "first_frame_p50_ms": round(quantile(waits, 0.50), 1), "first_frame_p99_ms": round(quantile(waits, 0.99), 1),
        "first_frame_max_ms": round(waits[-1], 1) if waits else float("nan"),
        "joins_per_s": round(len(joined) / span, 1) if span > 0 else float("nan"),
        "first_frame_by_second": by_second(flat),
        **stalls(storm.sent["pongs"], t0),
    }


def server_figures(storm: Storm, viewers_in: int) -> dict:
    """CPU and memory of the server processes over the storm, summed and per process."""
    rss_delta = sum(storm.rss_end) - sum(storm.rss_idle)
    return {
        "storm_s": round(storm.storm_s, 1),
        "server_cpu_pct": round(100.0 * sum(storm.cpu_s) / storm.storm_s, 1),
        "rss_idle_mb": round(sum(storm.rss_idle), 1), "rss_end_mb": round(sum(storm.rss_end), 1),
        "kb_per_viewer": round(1024 * rss_delta / viewers_in, 1) if viewers_in else float("nan"),
        "server_cpu_pct_by_process": [round(100.0 * c / storm.storm_s, 1) for c in storm.cpu_s],
        "rss_idle_mb_by_process": [round(r, 1) for r in storm.rss_idle],
        "rss_end_mb_by_process": [round(r, 1) for r in storm.rss_end],
        "jobs": job_figures(storm.metrics_before, storm.metrics_after),
        "room_metrics": room_figures(storm.metrics_before, storm.metrics_after),
    }


def sender_figures(storm: Storm) -> dict:
    """What the senders' messages got: acks, refusals by code, no answer at all."""
    answers = Counter(answer for _, _, answer in storm.sent["sent"])
    return {"senders_in": storm.senders_in, "senders_refused": storm.senders_refused,
            "messages_sent": len(storm.sent["sent"]), "acks": answers.pop("ack", 0),
            "unanswered": answers.pop("", 0), "errors": dict(answers),
            "sender_other_errors": storm.sent["other_errors"], "sender_closes": storm.sent["closes"]}


def summarise(storm: Storm, args: argparse.Namespace, problems: list[str]) -> dict:
    """One system's results: viewers, server, senders, and how busy the clients and the machine were."""
    viewers = viewer_figures(storm)
    return {**viewers, **server_figures(storm, viewers["viewers_in"]), **sender_figures(storm),
            "server_log_problems": problems, "processes": args.processes, "client_processes": args.client_procs,
            "client_cpu_s": round(sum(r["cpu_s"] for r in storm.viewers), 1),
            "client_join_late_p99_ms": max(r["join_late_p99_ms"] for r in storm.viewers),
            "load_average_1m": round(storm.load, 2)}


def jobs_cell(jobs: dict | None) -> str:
    """The table's job column: ticks/failures over all jobs and the slowest tick's bucket, or n/a."""
    if not jobs:
        return "n/a"
    ticks, failures = sum(j["ticks"] for j in jobs.values()), sum(j["failures"] for j in jobs.values())
    worst = max((j for j in jobs.values() if j["slowest_tick"]), default=None, key=lambda j: j["slowest_le_s"])
    return f"{ticks}/{failures}" + (f" {worst['slowest_tick']}" if worst else "")


COLUMNS = [("system", None, "{}"), ("in", "viewers_in", "{}"), ("refused", "refused", "{}"),
           ("deliv %", "delivered_pct", "{:.2f}"), ("lat p50", "latency_p50_ms", "{:.0f}"),
           ("lat p99", "latency_p99_ms", "{:.0f}"), ("1st p50", "first_frame_p50_ms", "{:.0f}"),
           ("1st p99", "first_frame_p99_ms", "{:.0f}"), ("1st max", "first_frame_max_ms", "{:.0f}"),
           ("joins/s", "joins_per_s", "{:.0f}"), ("cpu %", "server_cpu_pct", "{:.0f}"),
           ("rss idle", "rss_idle_mb", "{:.0f}"), ("rss end", "rss_end_mb", "{:.0f}"),
           ("KB/viewer", "kb_per_viewer", "{:.1f}"), ("ping p99/max", "ping", "{}"), ("acks", "acks", "{}"),
           ("err/none", "errors", "{}"), ("jobs ticks/fail slowest", "jobs", "{}")]


def cell(name: str, result: dict, key: str | None, fmt: str) -> str:
    """One cell of a system's row."""
    if key is None:
        return name
    if key == "errors":
        return f"{sum(result['errors'].values())}/{result['unanswered']}"
    if key == "jobs":
        return jobs_cell(result["jobs"])
    if key == "ping":
        return f"{result['ping_p99_ms']:.0f}/{result['ping_max_ms']:.0f}"
    return fmt.format(result[key])


def print_table(results: dict, args: argparse.Namespace) -> None:
    """One row per system, then what the columns leave out (refusals, errors, jobs, server log)."""
    rows = [[cell(name, r, key, fmt) for _, key, fmt in COLUMNS] for name, r in results.items()]
    widths = [max(len(c[0]), *(len(row[i]) for row in rows)) for i, c in enumerate(COLUMNS)]
    print(f"join storm: {args.viewers} viewers at {args.join_rate:g}/s, {args.senders} senders at "
          f"{args.chat_rate:g} msg/s, {args.seconds:g} s after the last join, {args.processes} process(es); "
          "ms, MB")
    print("  ".join(c[0].ljust(w) for c, w in zip(COLUMNS, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    for name, r in results.items():
        print(f"{name}: storm {r['storm_s']} s; refused {r['refused_by'] or '-'}; closed later "
              f"{r['closed_later_by'] or '-'}; sender errors {r['errors'] or '-'}, unanswered {r['unanswered']}; "
              f"room {r['room_metrics'] or '-'}; worst pings [s, ms, process] {r['ping_worst']}")
        for job, f in (r["jobs"] or {}).items():
            print(f"  job {job}: {f['ticks']} ticks, {f['failures']} failed, {f['tick_sum_s']} s in all, "
                  f"slowest {f['slowest_tick'] or '-'}" + (f", max {f['max_s']} s" if f["max_s"] is not None else ""))
        if r["server_log_problems"]:
            print(f"  server log: {len(r['server_log_problems'])} lines at WARNING+, first: "
                  f"{r['server_log_problems'][0][:200]}")


def report(results: dict, args: argparse.Namespace) -> dict:
    """The --json document: parameters, machine, one object per system."""
    return {"benchmark": "join_storm", "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
            "parameters": {"viewers": args.viewers, "join_rate_per_s": args.join_rate, "senders": args.senders,
                           "chat_rate_per_s": args.chat_rate, "seconds_after_last_join": args.seconds,
                           "processes": args.processes, "client_processes": args.client_procs,
                           "drain_s": args.drain, "join_timeout_s": args.join_timeout, "database": args.database},
            **results}


def check_chat_rate(args: argparse.Namespace) -> None:
    """Refuse a chat rate that would trip the per-user chat limit (each sender must stay under it)."""
    from livestall.settings import Settings

    settings = Settings(_env_file=None)
    per_window = math.ceil(args.chat_rate / args.senders * settings.chat_rate_window_s) + 1  # +1: the jitter
    if per_window > settings.chat_rate_messages:
        raise SystemExit(f"{args.chat_rate:g} msg/s over {args.senders} senders is {per_window} per sender per "
                         f"{settings.chat_rate_window_s:g} s; the limit is {settings.chat_rate_messages}: "
                         "add senders")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--join-rate", type=float, default=200.0, help="joins per second, all clients together")
    parser.add_argument("--senders", type=int, default=40, help="logged-in sockets sending chat")
    parser.add_argument("--chat-rate", type=float, default=10.0, help="chat messages per second, all senders")
    parser.add_argument("--seconds", type=float, default=10.0, help="chat goes on this long after the last join")
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2), help="server processes (2: on Redis)")
    parser.add_argument("--systems", default="livestall,baseline", help="comma list of livestall,baseline")
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"), help="Livestall's")
    parser.add_argument("--client-procs", type=int, default=0, help="viewer processes; 0 = one per 5,000")
    parser.add_argument("--drain", type=float, default=3.0, help="seconds to wait for late batches at the end")
    parser.add_argument("--join-timeout", type=float, default=30.0,
                        help="seconds after its last join a client stops waiting for snapshots")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help="run the bare baseline server only")
    parser.add_argument("--redis", default="", help="with --serve-baseline: relay chat over this Redis")
    args = parser.parse_args(argv)
    args.client_procs = args.client_procs or max(1, math.ceil(args.viewers / 5000))
    return args


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    raise_nofile()
    if argv and argv[0] in ("_view", "_send"):
        run = run_viewers if argv[0] == "_view" else run_senders
        new_loop().run_until_complete(run(json.loads(argv[1])))
        return
    args = parse_args(argv)
    if args.serve_baseline:
        new_loop().run_until_complete(serve_baseline(args.serve_baseline, args.redis))
        return
    check_chat_rate(args)
    systems = [name.strip() for name in args.systems.split(",") if name.strip()]
    results = {}
    from contextlib import ExitStack

    with ExitStack() as stack:
        args.stack = stack
        redis_url = ""
        if args.processes == 2:
            from bench.fanout_redis import start_redis

            redis, redis_url = start_redis()
            stack.callback(lambda: (redis.terminate(), redis.wait(10)))
        for system in systems:
            print(f"running {system} ...", file=sys.stderr, flush=True)
            results[system] = run_system(system, args, redis_url)
            time.sleep(1.0)
    print_table(results, args)
    if args.json:
        args.json.write_text(json.dumps(report(results, args), indent=2) + "\n")


if __name__ == "__main__":
    main()
