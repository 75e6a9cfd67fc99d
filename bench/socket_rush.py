"""A flash-sale rush in a full room: buyers among thousands of viewers tap buy within a second, by socket or HTTP.

Run through `python -m bench.flash_sale --via socket` (see its --help). For each database, twice on a
fresh identical world (bench/flash_world.py) and one real `livestall serve`: V viewers join the show's
room (V - B anonymous watchers and B logged-in buyers, each socket as the web page opens it: its
`?viewer=` id, its Origin and, for a buyer, the session cookie), spread over client processes that
use the join storm's light client (bench/join_storm.py). Once everyone is in, each buyer taps buy
once at a random moment of the same --rush-s window (a fixed seed: both doors get the same moments):

- socket: a `buy` frame on the buyer's room socket (id 1, a fresh key, quantity 1), answered by the
  `ack` or `error` with ref 1;
- http: `POST /api/v1/shows/{id}/buy` (Bearer token, a fresh Idempotency-Key) sent from the bench
  process over --connections keep-alive connections, as a proxy's upstream pool would; the
  viewers stay in the room, so the server fans out the same sales to the same crowd.

Tap-to-answer runs from the tap's moment to its answer (waiting for a free connection included).
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import math
import os
import random
import resource
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench.fanout import compact, expect, machine, new_loop, raise_nofile, read_line, say, spawn, tell
from bench.join_storm import LIVESTALL_ENV, Frames, StormViewer, Target, cpu_of, log_problems, pace, quantile, \
    rss_of, stop_child

MODULE = "bench.socket_rush"
ACK, ERROR = b'{"v":1,"type":"ack"', b'{"v":1,"type":"error"'
SETTLE_S = 2.0  # after the last join, before the rush: the joins' garbage and snapshots settle


def text_frame(payload: bytes) -> bytes:
    """A client text frame, masked with an all-zero key (the payload goes as it is), up to 64 KiB."""
    n = len(payload)
    head = bytes((0x81, 0x80 | n)) if n < 126 else bytes((0x81, 0x80 | 126)) + n.to_bytes(2, "big")
    return head + b"\0\0\0\0" + payload


def socket_answer(reply: dict) -> str:
    """What an `ack` or `error` answering a buy says: won, replayed, sold_out, or the refusal's code and rule."""
    if reply.get("type") == "ack":
        return "replayed" if (reply.get("data") or {}).get("replayed") else "won"
    if reply.get("rule") == "in_stock":
        return "sold_out"
    return f"{reply.get('code')} {reply.get('field')}/{reply.get('rule')}"


def http_answer(status: int, body: bytes) -> str:
    """The same for an HTTP buy-now answer (an RFC 9457 problem names the field and the rule)."""
    if status in (200, 201):
        return "won" if status == 201 else "replayed"
    try:
        problem = (json.loads(body).get("errors") or [{}])[0]
    except (ValueError, AttributeError):
        problem = {}
    if problem.get("rule") == "in_stock":
        return "sold_out"
    return f"http {status} {problem.get('field')}/{problem.get('rule')}"


# -- client processes --------------------------------------------------------------------------

class RushViewer(StormViewer):
    """One room socket of the rush; a buyer's also times its `buy` frame and the answer with ref 1."""

    def __init__(self, frames: Frames, host: str, port: int, path: str, opened: asyncio.Future, headers: str,
                 buy: bytes = b"") -> None:
        super().__init__(frames, host, port, path, opened)
        self.headers, self.buy = headers, buy
        self.due = self.sent = self.answered = 0.0
        self.answer = ""

    def connection_made(self, transport) -> None:
        """fanout.Viewer's handshake with what the page's browser adds: its Origin and, logged in, the cookie."""
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                        f"{self.headers}\r\n".encode())

    def frame(self, payload: bytes) -> None:
        if self.sent and not self.answered and (payload.startswith(ACK) or payload.startswith(ERROR)):
            reply = json.loads(payload)
            if reply.get("ref") == 1:
                self.answered, self.answer = time.time(), socket_answer(reply)
                return
        super().frame(payload)

    def tap(self, due: float) -> None:
        """Send the buy frame now; a buyer without an open socket cannot, and stays unanswered."""
        self.due = due
        if not self.open:
            self.answer = "no socket"
            return
        self.sent = time.time()
        self.transport.write(text_frame(self.buy))


def client_viewers(cfg: dict, loop, frames: Frames) -> tuple[list[RushViewer], list[tuple[float, RushViewer, int]]]:
    """This process's share of the crowd (every procs-th viewer), and its buyers' taps (offset, viewer, k)."""
    viewers, taps = [], []
    origin = f"Origin: {cfg['origin']}\r\n"
    for g in range(cfg["index"], cfg["viewers"], cfg["procs"]):
        path = f"/ws/shows/{cfg['show']}?viewer={os.urandom(12).hex()}"  # the page's per-browser id
        buyer = cfg["buyers"].get(str(g))
        if buyer is None:
            viewers.append(RushViewer(frames, cfg["host"], cfg["port"], path, loop.create_future(), origin))
            continue
        k, token, offset = buyer
        body = {"v": 1, "id": 1, "type": "buy", "key": uuid.uuid4().hex, "product_id": cfg["product_id"],
                "quantity": 1, "shipping": cfg["shipping"]}
        viewer = RushViewer(frames, cfg["host"], cfg["port"], path, loop.create_future(),
                            f"{origin}Cookie: {cfg['cookie']}={token}\r\n", compact(body).encode())
        viewers.append(viewer)
        taps.append((offset, viewer, k))
    taps.sort(key=lambda t: t[0])
    return viewers, taps


async def join_on_schedule(cfg: dict, viewers: list) -> list[float]:
    """On the bench's start time, join this process's share of the room at --join-rate, wait until every
    viewer is in (or failed, or timed out), tell the bench how many joined; how late each join started."""
    t0 = float((await read_line()).split()[1])
    due = [t0 + g / cfg["join_rate"] for g in range(cfg["index"], cfg["viewers"], cfg["procs"])]
    late = await pace(viewers, due, cfg["host"], [cfg["port"]] * len(viewers))
    deadline = (due[-1] if due else t0) + cfg["join_timeout"]
    while time.time() < deadline and any(not (v.first or v.fail) for v in viewers):
        await asyncio.sleep(0.05)
    say("joined", sum(1 for v in viewers if v.first))
    return late


async def run_client(cfg: dict) -> None:
    """A client process: join its viewers on schedule, tap when told, report, and hang up."""
    loop, frames = asyncio.get_running_loop(), Frames()
    viewers, taps = client_viewers(cfg, loop, frames)
    gc.collect()
    gc.freeze()  # the viewers live to the end: keep them out of the collector's scans
    say("ready", len(viewers))
    late = await join_on_schedule(cfg, viewers)
    order = (await read_line()).split()
    if order[0] == "rush":  # else the taps go over HTTP, from the bench process
        t1 = float(order[1])
        for offset, viewer, _ in taps:
            wait = t1 + offset - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            viewer.tap(t1 + offset)
        deadline = time.time() + cfg["answer_timeout"]
        while time.time() < deadline and any(v.open and not v.answered for _, v, _ in taps):
            await asyncio.sleep(0.05)
    say("done")
    await read_line()
    say(compact({"taps": [[k, v.due, v.sent, v.answered, v.answer] for _, v, k in taps],
                 "buyers_in": sum(1 for _, v, _ in taps if v.first), **crowd_report(viewers, late)}))
    await read_line()
    let_go(viewers)


def crowd_report(viewers: list, late: list[float]) -> dict:
    """A client process's crowd as its report gives it: join waits, refusals, later closes, lateness, CPU."""
    usage, late = resource.getrusage(resource.RUSAGE_SELF), sorted(late)
    return {"waits": [round(1000 * (v.first - v.start), 1) for v in viewers if v.first],
            "fail": Counter(v.fail or "no snapshot in time" for v in viewers if not v.first),
            "after": Counter(v.after for v in viewers if v.after),
            "join_late_p99_ms": round(1000 * quantile(late, 0.99), 1) if late else 0.0,
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


def let_go(viewers: list) -> None:
    """Drop every socket of the crowd at once, the bench being over."""
    for viewer in viewers:
        viewer.done = True
        if viewer.transport is not None:
            viewer.transport.abort()


# -- the HTTP door (in the bench process) -------------------------------------------------------

async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response with a Content-Length: its status and body."""
    status, length = int((await reader.readline())[9:12]), 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length) if length else b""


async def open_pool(port: int, connections: int) -> list:
    """Keep-alive connections to the app, opened before the rush (as a proxy's upstream pool is)."""
    return [await asyncio.open_connection("127.0.0.1", port) for _ in range(connections)]


async def http_taps(port: int, pool: list, requests: list[bytes], t1: float, offsets: list[float],
                    timeout: float) -> list[list]:
    """Request k at t1 + offsets[k] (open loop), on the next free connection; [k, due, sent, answered, answer]."""
    taps = sorted(([k, t1 + offset, 0.0, 0.0, ""] for k, offset in enumerate(offsets)), key=lambda t: t[1])
    queue: asyncio.Queue = asyncio.Queue()

    async def worker(reader, writer) -> None:
        while (tap := await queue.get()) is not None:
            for _ in range(2):  # a connection the server dropped is opened again, the same request sent again
                try:
                    writer.write(requests[tap[0]])
                    status, body = await read_response(reader)
                    tap[3], tap[4] = time.time(), http_answer(status, body)
                    break
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    tap[4] = "lost"
        writer.close()

    workers = [asyncio.create_task(worker(r, w)) for r, w in pool]
    for tap in taps:
        wait = tap[1] - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        tap[2] = time.time()
        queue.put_nowait(tap)
    for _ in workers:
        queue.put_nowait(None)
    _, pending = await asyncio.wait(workers, timeout=timeout)
    for task in pending:
        task.cancel()
    return taps


# -- orchestration ------------------------------------------------------------------------------

def tap_offsets(args) -> list[float]:
    """Each buyer's tap moment within the rush, the same for both doors (a fixed seed)."""
    rng = random.Random(42)
    return [rng.uniform(0, args.rush_s) for _ in range(args.buyers)]


def client_configs(args, world, server, tmp: Path) -> list[Path]:
    """One JSON file per client process (a buyer's token would overflow a command line): its share and its buyers."""
    from livestall.settings import Settings

    offsets = tap_offsets(args)
    paths = []
    for index in range(args.client_procs):
        # Buyers spread evenly through the crowd (and so over the processes and the join).
        buyers = {str(k * args.viewers // args.buyers): [k, world.tokens[k], offsets[k]] for k in range(args.buyers)
                  if (k * args.viewers // args.buyers) % args.client_procs == index}
        cfg = {"host": "127.0.0.1", "port": server.ws_port, "show": world.show_id, "origin": server.url,
               "cookie": Settings(_env_file=None).session_cookie, "viewers": args.viewers, "procs": args.client_procs,
               "index": index, "join_rate": args.join_rate, "join_timeout": 30.0, "answer_timeout": args.answer_timeout,
               "product_id": world.product_id, "shipping": args.shipping, "buyers": buyers}
        paths.append(tmp / f"rush-client-{index}.json")
        paths[-1].write_text(json.dumps(cfg))
    return paths


async def rush(door: str, url: str, world, args, tmp: Path) -> dict:
    """One rush on one door: the server, the crowd in, the taps, the answers, and the server's CPU over them."""
    from tests.appserver import AppProcess

    tmp.mkdir(parents=True, exist_ok=True)
    server = await asyncio.to_thread(AppProcess(database_url=url, data_dir=tmp, env=LIVESTALL_ENV).start)
    clients = []
    try:
        clients = [spawn("_client", str(p), module=MODULE) for p in client_configs(args, world, server, tmp)]
        for client in clients:
            await asyncio.to_thread(expect, client, "ready")
        t0 = time.time() + 0.5
        for client in clients:
            tell(client, f"go {t0:.6f}")
        viewers_in = sum([int((await asyncio.to_thread(expect, c, "joined"))[0]) for c in clients])
        await asyncio.sleep(SETTLE_S)
        target, load = Target(server.proc.pid, server.ws_port, log=server.log_path), os.getloadavg()[0]
        t1 = time.time() + 1.0
        tapping = asyncio.create_task(socket_door(clients, t1) if door == "socket" else
                                      http_door(server.port, world, args, t1))
        await asyncio.sleep(max(0.0, t1 - time.time()))
        (cpu0,), wall0 = cpu_of([target]), time.time()  # the server's CPU from the first tap to the last answer
        profiler = profile(server.proc.pid, f"{args.profile}-{tmp.name}.txt") if args.profile else None
        taps = await tapping  # the socket's are in the client processes' reports
        (cpu1,), wall1, (rss,) = cpu_of([target]), time.time(), rss_of([target])
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes what it recorded
            await asyncio.to_thread(profiler.wait, 30)
        if door == "http":  # the crowd only watched: let its processes on to their reports
            for client in clients:
                tell(client, "hold")
                await asyncio.to_thread(expect, client, "done")
        for client in clients:
            tell(client, "report")
        reports = [json.loads(await asyncio.to_thread(client.stdout.readline)) for client in clients]
        problems = log_problems([target])  # before the stop, as join_storm does: the rush's, not the shutdown's
    finally:
        for client in clients:
            stop_child(client)
        await asyncio.to_thread(server.stop)
    taps = taps or [t for r in reports for t in r["taps"]]
    return summarise(door, taps, reports, viewers_in, {
        "cpu_pct_of_core": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 1), "rss_mb": round(rss, 1),
        "load_average_1m": round(load, 2), "server_log_problems": problems}, args)


def profile(pid: int, out: str) -> subprocess.Popen:
    """py-spy sampling `pid` 100 times a second until interrupted; collapsed stacks in `out`."""
    # Blocking (a pause of the server per sample): without it, stacks read mid-change blame the wrong code.
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(spy), "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def socket_door(clients: list, t1: float) -> None:
    """The client processes' buyers tap from t1; back once every buyer is answered (or given up on)."""
    for client in clients:
        tell(client, f"rush {t1:.6f}")
    for client in clients:
        await asyncio.to_thread(expect, client, "done")


async def http_door(port: int, world, args, t1: float) -> list[list]:
    """The buyers tap from t1 over HTTP, from this process: buy-now as flash_sale.over_http sends it."""
    from bench.http_load import request_bytes

    body = json.dumps({"product_id": world.product_id, "quantity": 1, "shipping": args.shipping}).encode()
    requests = [request_bytes("POST", f"/api/v1/shows/{world.show_id}/buy", {
        "Authorization": f"Bearer {world.tokens[k]}", "Idempotency-Key": uuid.uuid4().hex,
        "Content-Type": "application/json"}, body) for k in range(args.buyers)]
    pool = await open_pool(port, min(args.connections, args.buyers))
    return await http_taps(port, pool, requests, t1, tap_offsets(args), args.answer_timeout)


def summarise(door: str, taps: list[list], reports: list[dict], viewers_in: int, server: dict, args) -> dict:
    """Answers, tap-to-answer and the crowd's joins of one rush, as the JSON keeps them."""
    answered = [t for t in taps if t[3]]
    latencies = sorted(1000 * (t[3] - t[1]) for t in answered)
    answers = Counter(t[4] for t in answered)
    waits = sorted(w for r in reports for w in r["waits"])
    span = max((t[3] for t in answered), default=0.0) - min((t[1] for t in taps), default=0.0)
    late = sorted(1000 * (t[2] - t[1]) for t in taps if t[2])
    ms = lambda q: round(quantile(latencies, q), 1)  # noqa: E731
    return {"door": door, "attempts": len(taps), "answered": len(answered), "unanswered": len(taps) - len(answered),
            "unanswered_by": dict(Counter(t[4] or "no answer" for t in taps if not t[3])),
            "won": answers.pop("won", 0), "sold_out": answers.pop("sold_out", 0), "other_answers": dict(answers),
            "p50_ms": ms(0.5), "p99_ms": ms(0.99), "max_ms": ms(1.0),
            "answered_per_s": round(len(answered) / span, 1) if span > 0 else float("nan"),
            "rush_s": round(span, 2), "tap_late_p99_ms": round(quantile(late, 0.99), 1) if late else float("nan"),
            "viewers": args.viewers, "viewers_in": viewers_in, "buyers_in": sum(r["buyers_in"] for r in reports),
            "refused_by": dict(sum((Counter(r["fail"]) for r in reports), Counter())),
            "closed_later_by": dict(sum((Counter(r["after"]) for r in reports), Counter())),
            "first_frame_p99_ms": round(quantile(waits, 0.99), 1) if waits else float("nan"),
            "client_procs": args.client_procs, "client_cpu_s": round(sum(r["cpu_s"] for r in reports), 1),
            "client_join_late_p99_ms": max(r["join_late_p99_ms"] for r in reports), **server}


async def run_database(name: str, url_for, args, tmp: Path) -> dict:
    """The rush over the socket, then over HTTP, each on a fresh identical world, then the books of each."""
    from bench.flash_sale import SHIPPING, say as note, verify
    from bench.flash_world import seed

    args.shipping = SHIPPING
    args.client_procs = args.client_procs or max(1, math.ceil(args.viewers / 5000))
    out = {}
    for door in args.doors:
        note(f"{name}: {args.viewers} viewers in, {args.buyers} buyers tapping buy over the {door}")
        url = await asyncio.to_thread(url_for, f"rush-{door}")
        world = await seed(url, buyers=args.buyers, stock=args.stock, per_buyer_limit=args.limit, tag=f"rush-{door}",
                           quiesce=True)
        world.limit = args.limit
        out[door] = {**await rush(door, url, world, args, tmp / f"rush-{door}-{name}"),
                     **await verify(url, world, args.stock)}
        out[door]["target_met"] = target_met(out[door])
    return out


def target_met(r: dict) -> bool:
    """Every attempt answered, p99 <= 1 s, none oversold, orders = units sold = orders won, the books balanced."""
    return (r["unanswered"] == 0 and r["p99_ms"] <= 1000 and r["oversold"] == 0 and r["lost"] == 0
            and r["orders"] == r["units_sold"] == r["won"] and r["ledger_balanced"])


COLUMNS = [("database", None), ("door", "door"), ("in", "viewers_in"), ("taps", "attempts"), ("answered", "answered"),
           ("won", "won"), ("sold out", "sold_out"), ("other", None), ("p50 ms", "p50_ms"), ("p99 ms", "p99_ms"),
           ("max ms", "max_ms"), ("answers/s", "answered_per_s"), ("cpu %", "cpu_pct_of_core"),
           ("units sold", "units_sold"), ("oversold", "oversold"), ("orders", "orders"),
           ("ledger ok", "ledger_balanced"), ("target", "target_met")]


def print_table(results: dict, args) -> None:
    """One row per database and door, then what the columns leave out."""
    print(f"flash-sale rush: {args.viewers} viewers in the room, {args.buyers} buyers tapping buy within "
          f"{args.rush_s:g} s, {args.stock} units, per-buyer limit {args.limit}; HTTP over {args.connections} "
          "connections; target: all answered, p99 <= 1000 ms, 0 oversold, orders = units sold, ledger balanced")
    rows = [[db] + [str(sum(r["other_answers"].values())) if key is None else str(r[key]) for _, key in COLUMNS[1:]]
            for db, doors in results.items() for r in doors.values()]
    widths = [max(len(c), *(len(row[i]) for row in rows)) if rows else len(c) for i, (c, _) in enumerate(COLUMNS)]
    print("  ".join(c.ljust(w) for (c, _), w in zip(COLUMNS, widths)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    for db, doors in results.items():
        for door, r in doors.items():
            print(f"{db} {door}: other answers {r['other_answers'] or '-'}; unanswered {r['unanswered_by'] or '-'}; "
                  f"refused {r['refused_by'] or '-'}; closed later {r['closed_later_by'] or '-'}; tap late p99 "
                  f"{r['tap_late_p99_ms']} ms; server log {len(r['server_log_problems'])} lines at WARNING+")


def report(results: dict, args) -> dict:
    """The --json document: parameters, machine, one object per door and database."""
    out: dict = {"benchmark": "flash_sale", "date": datetime.now(UTC).isoformat(timespec="seconds"),
                 "machine": machine(), "parameters": {
                     "via": "socket", "viewers": args.viewers, "buyers": args.buyers, "stock": args.stock,
                     "per_buyer_limit": args.limit, "rush_s": args.rush_s, "join_rate_per_s": args.join_rate,
                     "client_processes": args.client_procs, "http_connections": args.connections,
                     "answer_timeout_s": args.answer_timeout,
                     "doors": args.doors}}
    for db, doors in results.items():
        for door, r in doors.items():
            out[f"livestall_{door}_{db}"] = r
    return out


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    raise_nofile()
    if argv[:1] == ["_client"]:
        new_loop().run_until_complete(run_client(json.loads(Path(argv[1]).read_text())))
        return
    raise SystemExit("run it through: python -m bench.flash_sale --via socket")


if __name__ == "__main__":
    main()
