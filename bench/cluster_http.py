"""Buy-now and /me over HTTP on PostgreSQL: one `livestall serve` against two app processes behind nginx, in one run.

    python -m bench.cluster_http --requests 8000 --connections 200 --json cluster_http.json

One throwaway PostgreSQL server (fsync off, for both sides) holds two databases seeded alike (5,000
buyers with login tokens, a live show, a pinned product on a flash sale with plenty of stock and no
per-buyer limit). One side is a plain `livestall serve`; the other is `livestall serve --workers 2`:
two app processes, a private Redis and nginx in front, started by the project's own cluster
machinery. Both run at once; the same keep-alive load generator sends each side in turn
`GET /api/v1/me`, then buy-now (`POST /api/v1/shows/{id}/buy`, every attempt a new order), for a
few rounds in alternating order. Each figure (the median round): requests/s, p50/p99, and CPU per
request of the app processes, of nginx and Redis, and of PostgreSQL, and for buy-now how many
attempts each process's purchase writer merged per transaction; the CPU the rest of the machine
used meanwhile says how shared the machine was.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.fanout import machine, raise_nofile
from bench.flash_sale import SHIPPING
from bench.flash_world import World, seed
from bench.http_load import request_bytes, run_load
from livestall import migrate
from tests.helpers_db import run_sql
from tests.services import PostgresCluster, create_database, free_port

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
SIDES = {"one_process": "1 process", "two_processes_nginx": "2 processes + nginx"}
CALLS = {"me": "/me", "buy_now": "buy-now"}


# -- CPU accounting from /proc ------------------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree(root: int) -> list[int]:
    """`root` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))):
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each live process."""
    out = {}
    for pid in pids:
        if fields := _stat(pid):
            out[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def machine_cpu() -> tuple[float, float]:
    """CPU seconds this machine has spent busy since boot, and those its hypervisor gave to other guests."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9])
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


class Groups:
    """Named sets of processes whose CPU is measured over a load: found again at the end, so that
    processes born meanwhile (PostgreSQL backends) count too."""

    def __init__(self, finders: dict[str, Callable[[], list[int]]]) -> None:
        self.finders = finders

    def snapshot(self) -> dict[str, dict[int, float]]:
        return {name: cpu(find()) for name, find in self.finders.items()}

    @staticmethod
    def used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
        return {name: sum(t - before[name].get(pid, 0.0) for pid, t in after[name].items()) for name in after}


def comm(pid: int) -> str:
    """The process's program name ('' once it is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def app_processes(proc: subprocess.Popen, port: int, data: Path) -> list[tuple[int, int]]:
    """(pid, HTTP port) of each app process: the cluster's, as cluster.json lists them, or the one `serve`."""
    listing = data / "workers" / "cluster.json"
    if not listing.exists():
        return [(proc.pid, port)]
    return [(a["pid"], int(a["url"].rsplit(":", 1)[1])) for a in json.loads(listing.read_text())["apps"]]


def purchase_batches(ports: list[int]) -> tuple[float, float]:
    """Buy attempts settled and the batches that settled them so far, from each app process's /metrics."""
    attempts = batches = 0.0
    for port in ports:
        for line in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text.splitlines():
            if line.startswith("livestall_purchase_batch_size_sum "):
                attempts += float(line.split()[1])
            elif line.startswith("livestall_purchase_batch_size_count "):
                batches += float(line.split()[1])
    return attempts, batches


# -- the two sides --------------------------------------------------------------------------------

def start(side: str, url: str, data: Path) -> tuple[subprocess.Popen, int, Path]:
    """`livestall serve` (one process) or `livestall serve --workers 2`, on loopback; (process, port, log)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESTALL_")}
    env.update({"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]), "LIVESTALL_DATABASE_URL": url,
                "LIVESTALL_DATA_DIR": str(data), "LIVESTALL_LOG_LEVEL": "WARNING", "LIVESTALL_STRICT_EVENTS": "",
                "LIVESTALL_RTMP_ENABLED": "false", "LIVESTALL_WS_PORT": str(free_port())})
    workers = ["--workers", "2"] if side == "two_processes_nginx" else []
    data.mkdir(parents=True, exist_ok=True)
    log = data / "bench-serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "livestall.cli", "serve", "--host", "127.0.0.1",
                                 "--port", str(port), *workers], env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT, start_new_session=True)
    return proc, port, log


async def wait_ready(proc: subprocess.Popen, port: int, log: Path, probe: bytes) -> None:
    """Until the side answers /healthz (through nginx: the cluster's last part) and says it is ready."""
    deadline = time.monotonic() + 180
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"livestall serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            answered = (await run_load("127.0.0.1", port, [probe], 1))["statuses"].get(200)
            if answered and ("--workers" not in proc.args or "cluster ready" in log.read_text()):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"livestall serve not ready:\n{log.read_text()[-3000:]}")
        await asyncio.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, as a service manager would: the cluster side stops its apps, nginx and Redis itself."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@dataclass
class Side:
    """One system under load: its seeded database, its `livestall serve` and its app processes."""

    name: str
    url: str
    world: World
    proc: subprocess.Popen
    port: int
    apps: list[int]
    app_ports: list[int]

    def requests(self, call: str, count: int) -> list[bytes]:
        """`count` requests of `call` from the seeded buyers in turn; every buy-now a new order."""
        tokens = self.world.tokens
        auth = [{"Authorization": f"Bearer {tokens[i % len(tokens)]}"} for i in range(count)]
        if call == "me":
            return [request_bytes("GET", "/api/v1/me", a) for a in auth]
        body = json.dumps({"product_id": self.world.product_id, "quantity": 1, "shipping": SHIPPING}).encode()
        return [request_bytes("POST", f"/api/v1/shows/{self.world.show_id}/buy", {
            **a, "Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"}, body) for a in auth]

    def front(self) -> list[int]:
        return [p for p in tree(self.proc.pid) if comm(p) in ("nginx", "redis-server")]


async def open_side(name: str, base_url: str, args, tmp: Path, sides: list[Side]) -> None:
    """A fresh database seeded alike for each side, the side started on it (and added to `sides`, to be
    stopped whatever happens next), and warmed up."""
    url = await asyncio.to_thread(create_database, base_url, f"cluster_http_{name}_{uuid.uuid4().hex[:6]}")
    await asyncio.to_thread(migrate.upgrade, url)
    world = await seed(url, buyers=args.buyers, stock=10_000_000, per_buyer_limit=None, tag=name[:3], quiesce=True)
    proc, port, log = start(name, url, tmp / name)
    side = Side(name, url, world, proc, port, [], [])
    sides.append(side)
    await wait_ready(proc, port, log, request_bytes("GET", "/healthz", {}))
    side.apps, side.app_ports = (list(x) for x in zip(*app_processes(proc, port, tmp / name)))
    for call in CALLS:
        await run_load("127.0.0.1", port, side.requests(call, args.warmup), args.connections)


async def measure(side: Side, call: str, args, groups: Groups) -> dict:
    """One load on one side, with the CPU of each group of processes and of the rest of the machine over it."""
    requests = side.requests(call, args.requests)
    settled = await asyncio.to_thread(purchase_batches, side.app_ports)
    before, (busy, steal), mine = groups.snapshot(), machine_cpu(), time.process_time()
    result = await run_load("127.0.0.1", side.port, requests, args.connections)
    after, now, mine = groups.snapshot(), machine_cpu(), time.process_time() - mine
    busy, steal = now[0] - busy, now[1] - steal
    used, n, seconds = Groups.used(before, after), result["requests"], result["seconds"]
    attempts, batches = (b - a for a, b in zip(settled, await asyncio.to_thread(purchase_batches, side.app_ports)))
    others = busy - sum(used.values()) - mine  # neither the benchmark's processes nor its idle side
    return {"requests": n, "requests_per_s": round(result["requests_per_s"]), "p50_ms": result["p50_ms"],
            "p99_ms": result["p99_ms"], "seconds": round(seconds, 2),
            "app_cpu_ms_per_request": round(1000 * used[f"{side.name} apps"] / n, 2),
            "app_cpu_pct_of_core": round(100 * used[f"{side.name} apps"] / seconds, 1),
            "front_cpu_ms_per_request": round(1000 * used[f"{side.name} front"] / n, 2),
            "postgres_cpu_ms_per_request": round(1000 * used["postgres"] / n, 2),
            "load_generator_cpu_pct_of_core": round(100 * mine / seconds, 1),
            "others_cpu_pct_of_core": round(max(0.0, 100 * others / seconds), 1),
            "steal_pct_of_core": round(100 * steal / seconds, 1),
            # Each process's purchase writer merges the attempts queued meanwhile into one transaction.
            "attempts_per_purchase_batch": round(attempts / batches, 1) if batches else None,
            "statuses": {str(k): v for k, v in result["statuses"].items()}}


async def run(args) -> dict:
    """Both sides up at once; each round measures /me then buy-now on each, in alternating order, so that
    a neighbour's burst on this shared machine does not always land on the same side."""
    postgres = PostgresCluster()  # fsync off: the same PostgreSQL, the same settings, for both sides
    postgres.start()
    tmp = Path(tempfile.mkdtemp(prefix="cluster-http-"))
    sides: list[Side] = []
    try:
        postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
        for name in SIDES:
            say(f"{SIDES[name]}: seeding, starting, warming up")
            await open_side(name, postgres.url, args, tmp, sides)
        groups = Groups({"postgres": lambda: tree(postmaster)})
        for side in sides:
            groups.finders[f"{side.name} apps"] = lambda s=side: s.apps
            groups.finders[f"{side.name} front"] = side.front
        rounds: dict = {side.name: {call: [] for call in CALLS} for side in sides}
        for n in range(args.rounds):
            for call in CALLS:
                for side in sides if n % 2 == 0 else sides[::-1]:
                    say(f"round {n + 1}: {SIDES[side.name]} {CALLS[call]}")
                    rounds[side.name][call].append(await measure(side, call, args, groups))
        # Every buy-now answered 201 made one order: the database agrees, or the rate means nothing.
        orders = {side.name: (await asyncio.to_thread(run_sql, side.url, "SELECT count(*) FROM orders"))[0][0]
                  for side in sides}
    finally:
        for side in sides:
            stop(side.proc)
        postgres.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    results = {}
    for side in sides:
        results[side.name] = {"app_processes": len(side.apps), "orders_in_database": orders[side.name]}
        for call, runs in rounds[side.name].items():
            median = sorted(runs, key=lambda r: r["requests_per_s"])[len(runs) // 2]
            results[side.name][call] = {**median, "rounds_requests_per_s": [r["requests_per_s"] for r in runs]}
    return results


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ratios(results: dict) -> dict:
    one, two = results["one_process"], results["two_processes_nginx"]
    return {call: round(two[call]["requests_per_s"] / one[call]["requests_per_s"], 2) for call in CALLS}


def print_table(results: dict, args, load_before: tuple, load_after: tuple) -> None:
    print(f"cluster http: {args.requests} requests per call over {args.connections} keep-alive connections, "
          f"PostgreSQL (fsync off); {machine()}")
    print(f"median of {args.rounds} round(s), sides in alternating order; load average before "
          f"{' '.join(f'{v:.2f}' for v in load_before)}, after {' '.join(f'{v:.2f}' for v in load_after)}; "
          "others = CPU used meanwhile by processes outside this benchmark (and the kernel's networking); "
          "per batch = buy attempts each purchase transaction settled (from the processes' /metrics)")
    print(f"{'system':22} {'call':8} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'app ms/req':>10} {'app %core':>9} "
          f"{'nginx+redis ms/req':>18} {'PG ms/req':>9} {'others %core':>12} {'per batch':>9}  "
          "statuses, every round's req/s")
    for side, label in SIDES.items():
        for call, name in CALLS.items():
            r = results[side][call]
            print(f"{label:22} {name:8} {r['requests_per_s']:>6} {r['p50_ms']:>7} {r['p99_ms']:>7} "
                  f"{r['app_cpu_ms_per_request']:>10} {r['app_cpu_pct_of_core']:>9} "
                  f"{r['front_cpu_ms_per_request']:>18} {r['postgres_cpu_ms_per_request']:>9} "
                  f"{r['others_cpu_pct_of_core']:>12} {r['attempts_per_purchase_batch'] or '':>9}  "
                  f"{r['statuses']}, {r['rounds_requests_per_s']}")
    got = ratios(results)
    print("orders in each database: " + ", ".join(f"{SIDES[k]} {v['orders_in_database']}" for k, v in results.items()))
    print(f"2 processes + nginx / 1 process: buy-now {got['buy_now']:.2f}x, /me {got['me']:.2f}x (target 1.7x)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_http", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=8000, help="requests per call measured")
    parser.add_argument("--connections", type=int, default=200, help="keep-alive connections")
    parser.add_argument("--buyers", type=int, default=5000, help="buyers with login tokens, in turn")
    parser.add_argument("--warmup", type=int, default=500, help="/me and buy-now requests before measuring")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per side and call (the median is shown)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    raise_nofile()
    load_before = os.getloadavg()
    results = asyncio.run(run(args))
    load_after = os.getloadavg()
    print_table(results, args, load_before, load_after)
    if args.json:
        args.json.write_text(json.dumps({
            "benchmark": "cluster_http", "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(), "parameters": {k: v for k, v in vars(args).items() if k != "json"},
            "load_average_before": load_before, "load_average_after": load_after, **results,
            "cluster_vs_one_process": ratios(results)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
