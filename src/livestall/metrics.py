"""Prometheus metrics of one process: rooms, media, sales (request latency lives in observability.py).

Only prometheus_client is imported here, so that the rooms, the media supervisor and the purchase
batcher can count without pulling in the web stack. Each process exposes its own figures at
/metrics; Prometheus scrapes every app process and sums them.
"""

from __future__ import annotations

import time
from collections import Counter as CountOf
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

# -- rooms -------------------------------------------------------------------------------------

ROOM_CONNECTIONS = Gauge("livestall_room_connections", "Room WebSockets open on this process", registry=REGISTRY)
ROOM_CONNECTIONS_OPENED = Counter("livestall_room_connections_opened_total", "Room WebSockets accepted",
                                  registry=REGISTRY)
ROOMS = Gauge("livestall_rooms", "Shows with at least one viewer on this process", registry=REGISTRY)
ROOM_FRAMES_SENT = Counter("livestall_room_frames_sent_total",
                           "Frames written to room sockets (merged event batches and private frames)",
                           registry=REGISTRY)
ROOM_FRAMES_DROPPED = Counter("livestall_room_frames_dropped_total",
                              "Frames not written because a viewer's buffer was full (the viewer resyncs)",
                              registry=REGISTRY)
ROOM_RESYNCS = Counter("livestall_room_resyncs_total", "Resync frames sent (after drops or a broker outage)",
                       registry=REGISTRY)
ROOM_STORMS = Counter("livestall_room_storms_total",
                      "Storms of taps begun (a flash sale's or an auction's last seconds): fan-out yields to the tappers",
                      registry=REGISTRY)
ROOM_EVENTS = Counter("livestall_room_events_total", "Room events queued for fan-out on this process",
                      registry=REGISTRY)
BROKER_CONNECTED = Gauge("livestall_broker_connected", "1 while the Redis broker's subscription is up",
                         registry=REGISTRY)

# -- media -------------------------------------------------------------------------------------

LIVE_STREAMS = Gauge("livestall_media_live_streams", "Shows publishing video into this machine", registry=REGISTRY)
TRANSCODES = Gauge("livestall_media_transcodes", "Transcode slots in use on this machine", registry=REGISTRY)
PUBLISHES = Counter("livestall_media_publishes_total", "Publishes accepted", ["source"], registry=REGISTRY)
PROCESS_RESTARTS = Counter("livestall_media_process_restarts_total",
                           "Supervised media processes restarted after they exited",
                           ["process"], registry=REGISTRY)

# -- sales -------------------------------------------------------------------------------------

PURCHASE_ATTEMPTS = Counter("livestall_purchase_attempts_total",
                            "Purchase attempts settled, by result (won, sold_out, limit_reached, duplicate, failed)",
                            ["result"], registry=REGISTRY)
UNITS_SOLD = Counter("livestall_purchase_units_sold_total", "Units sold by purchase batches", registry=REGISTRY)
SELLOUTS = Counter("livestall_purchase_sellouts_total", "Batches that sold the last unit of an offer",
                   registry=REGISTRY)
BATCH_SIZE = Histogram("livestall_purchase_batch_size", "Attempts merged into one purchase transaction",
                       buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 20000), registry=REGISTRY)
BATCH_SECONDS = Histogram("livestall_purchase_batch_duration_seconds", "Time to settle one purchase batch",
                          buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
                          registry=REGISTRY)

JOB_TICKS = Counter("livestall_job_ticks_total", "Passes of a background job (order clock, notifications, ...)",
                    ["job"], registry=REGISTRY)
JOB_FAILURES = Counter("livestall_job_failures_total", "Passes of a background job that failed", ["job"],
                       registry=REGISTRY)
JOB_TICK_SECONDS = Histogram("livestall_job_tick_seconds", "Time one pass of a background job took", ["job"],
                             buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=REGISTRY)
JOBS = ("order-clock", "notifications", "webhooks", "media", "insights-rollup", "insights-sampler")

for _job in JOBS:  # present at zero from the start: a job that never ran shows as 0, not as missing
    JOB_TICKS.labels(_job)
    JOB_FAILURES.labels(_job)

for _result in ("won", "sold_out", "limit_reached", "duplicate", "failed"):
    PURCHASE_ATTEMPTS.labels(_result)  # present at zero from the start, so rate() sees the first sale
for _source in ("rtmp", "browser"):
    PUBLISHES.labels(_source)
for _process in ("nginx-rtmp", "browser-ingest", "ladder"):  # media.supervisor names, without the show id
    PROCESS_RESTARTS.labels(_process)


def observe_batch(results: Iterable[str], seconds: float, units_sold: int, units_left: int) -> None:
    """Count one settled purchase batch: each attempt's result, its size, its time, the units sold."""
    tally = CountOf(results)  # one increment per result, not per attempt: batches run to thousands
    for result, count in tally.items():
        PURCHASE_ATTEMPTS.labels(result).inc(count)
    BATCH_SIZE.observe(sum(tally.values()))
    BATCH_SECONDS.observe(seconds)
    if units_sold:
        UNITS_SOLD.inc(units_sold)
        if units_left == 0:
            SELLOUTS.inc()


@contextmanager
def job_pass(job: str) -> Iterator[None]:
    """Count and time one pass of a background job; a failure is counted and raised on."""
    started = time.perf_counter()
    try:
        yield
    except Exception:
        JOB_FAILURES.labels(job).inc()
        raise
    finally:
        JOB_TICKS.labels(job).inc()
        JOB_TICK_SECONDS.labels(job).observe(time.perf_counter() - started)


def track(gauge: Gauge, read: Callable[[], float]) -> None:
    """Let `gauge` read its value from `read` at scrape time (the last process part to call wins)."""
    gauge.set_function(read)


def process_kind(name: str) -> str:
    """The label for a supervised process: its name without the show id ("ladder 12" -> "ladder")."""
    return name.split(" ", 1)[0]

# HTTP answers a crowd asks for at once (live/show_reads.py): built, or sent as kept.
SHOW_READS = Counter("livestall_show_reads_total", "Crowd-read answers (a show's shelf) sent, by how they were made",
                     ["what", "answer"], registry=REGISTRY)
