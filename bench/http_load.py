"""A lean HTTP/1.1 keep-alive load generator on raw asyncio streams: it must never be the bottleneck."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence


def request_bytes(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """One HTTP/1.1 request, ready to write."""
    lines = [f"{method} {path} HTTP/1.1", "Host: bench"] + [f"{k}: {v}" for k, v in headers.items()]
    if body or method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _worker(host: str, port: int, requests: Sequence[bytes], cursor: list[int], latencies: list[float],
                  statuses: Counter, bodies: list[bytes] | None) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while cursor[0] < len(requests):
            index = cursor[0]
            cursor[0] += 1
            started = time.perf_counter()
            try:
                writer.write(requests[index])
                status = int((await reader.readline())[9:12])
                length = 0
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length) if length else b""
            except (OSError, ValueError, asyncio.IncompleteReadError):
                # The server dropped the connection: count it and go on with a new one.
                statuses["error"] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if bodies is not None:
                bodies[index] = body
    finally:
        writer.close()


async def run_load(host: str, port: int, requests: Sequence[bytes], connections: int,
                   keep_bodies: bool = False) -> dict:
    """Send every request over `connections` keep-alive connections; rate, latency and status counts."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    bodies: list[bytes] | None = [b""] * len(requests) if keep_bodies else None
    cursor = [0]
    started = time.perf_counter()
    await asyncio.gather(*(_worker(host, port, requests, cursor, latencies, statuses, bodies)
                           for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {"requests": len(requests), "seconds": elapsed, "requests_per_s": len(requests) / elapsed,
            **percentiles(latencies), "statuses": dict(statuses), "bodies": bodies}


def percentiles(latencies: list[float]) -> dict:
    """p50 and p99 in milliseconds."""
    if not latencies:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"p50_ms": round(pick(0.50), 2), "p99_ms": round(pick(0.99), 2)}
