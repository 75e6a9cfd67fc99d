"""Prometheus metrics move with what happens: room sockets and frames, purchases, request latency, media restarts."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.appserver import AppProcess
from tests.helpers import register
from tests.orders.support import ADDRESS, buy, live_shop
from tests.room_client import RoomClient


def scrape(api) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}."""
    response = api.get("/metrics")
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_room_and_sales_metrics_move(api, app_server):
    world = live_shop(api, stock=1, price_minor=5000)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    before = scrape(api)
    route = {"method": "POST", "route": "/api/v1/shows/{show_id}/buy"}

    with RoomClient(app_server.ws_base, show_id) as viewer:
        during = scrape(api)
        assert value(during, "livestall_room_connections") >= value(before, "livestall_room_connections") + 1
        assert value(during, "livestall_room_connections_opened_total") >= \
            value(before, "livestall_room_connections_opened_total") + 1
        assert value(during, "livestall_rooms") >= 1

        won = buy(api, register(api), show_id, product_id)
        assert won.status_code == 201, won.text
        late = buy(api, register(api), show_id, product_id)
        assert late.status_code == 409, late.text
        viewer.wait_event("product.sold_out")  # the batch reached the socket: frames were written
        after = scrape(api)

    def moved(name: str, **labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("livestall_purchase_attempts_total", result="won") == 1
    assert moved("livestall_purchase_attempts_total", result="sold_out") == 1
    assert moved("livestall_purchase_units_sold_total") == 1
    assert moved("livestall_purchase_sellouts_total") == 1
    assert moved("livestall_purchase_batch_size_count") == 2  # two buyers, one after the other: two batches
    assert moved("livestall_purchase_batch_size_sum") == 2
    assert moved("livestall_purchase_batch_duration_seconds_count") == 2
    assert moved("livestall_room_frames_sent_total") >= 1  # the sale and sold-out batches
    assert moved("livestall_room_events_total") >= 2
    assert moved("livestall_http_request_duration_seconds_count", **route) == 2
    assert moved("livestall_http_requests_total", status="201", **route) == 1

    # The socket is gone: the gauge comes back down.
    deadline = time.monotonic() + 10
    while value(scrape(api), "livestall_room_connections") > value(during, "livestall_room_connections") - 1:
        assert time.monotonic() < deadline, "room connections gauge did not drop after the socket closed"
        time.sleep(0.1)


def test_media_metrics_are_exposed(api):
    samples = scrape(api)
    for name in ("livestall_media_live_streams", "livestall_media_transcodes", "livestall_broker_connected"):
        assert (name, ()) in samples, name
    assert ("livestall_media_publishes_total", (("source", "rtmp"),)) in samples


def test_a_crashing_supervised_process_counts_restarts(tmp_path):
    from livestall.media.supervisor import Supervised
    from livestall.metrics import REGISTRY

    def restarts() -> float:
        return REGISTRY.get_sample_value("livestall_media_process_restarts_total", {"process": "browser-ingest"}) or 0.0

    async def run() -> int:
        process = Supervised("browser-ingest 7", ["/bin/false"], log_path=tmp_path / "ffmpeg.log").start()
        deadline = time.monotonic() + 10
        while process.restarts < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await process.stop()
        return process.restarts

    start = restarts()
    count = asyncio.run(run())
    assert count >= 2
    assert restarts() - start == count


def test_the_grafana_dashboard_uses_only_metrics_the_app_exposes(api):
    dashboard = json.loads((Path(__file__).resolve().parents[1] / "deploy" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    used = {name for expr in exprs for name in re.findall(r"livestall_[a-z_]+", expr)}
    exposed = {name for name, _ in scrape(api)}
    assert len(used) >= 15
    assert used - exposed == set()


def test_a_rush_of_buy_now_over_http_is_a_storm_of_taps_like_one_over_the_room_socket(api, app_server, tmp_path):
    """Buy-now over HTTP weighs on the process's loop as a `buy` frame does: a rush of them makes the rooms' fan-out
    yield to the buyers (a storm, counted); a crowd that only watches, or requests without a login, do not."""
    world = live_shop(api, stock=1, price_minor=5000)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    buyers = [register(api) for _ in range(12)]
    server = AppProcess(database_url=app_server.database_url, data_dir=tmp_path / "storm",
                        env={"LIVESTALL_REALTIME_STORM_TAPS_PER_S": "5"}).start()  # a storm at 5 taps a second
    try:
        with httpx.Client(base_url=server.url, timeout=30) as near, RoomClient(server.ws_base, show_id) as viewer:
            for _ in range(12):  # watching and reading the show, or buying without a login: no taps
                assert near.get(f"/api/v1/shows/{show_id}").status_code == 200
                stranger = near.post(f"/api/v1/shows/{show_id}/buy", headers={"Authorization": "Bearer nobody"},
                                     json={"product_id": product_id, "quantity": 1, "shipping": ADDRESS})
                assert stranger.status_code == 401, stranger.text
            time.sleep(0.5)
            assert value(scrape(near), "livestall_room_storms_total") == 0

            answers = [buy(near, buyer, show_id, product_id).status_code for buyer in buyers]
            assert sorted(answers) == [201] + [409] * 11
            viewer.wait_event("product.sold_out")  # the room still got the sale, in the storm's merged frames
            deadline = time.monotonic() + 5  # the storm is seen at the ticker's next round
            while value(scrape(near), "livestall_room_storms_total") < 1:
                assert time.monotonic() < deadline, "twelve buy-nows over HTTP began no storm of taps"
                time.sleep(0.1)
    finally:
        server.stop()


def test_background_jobs_are_counted_and_timed(api):
    """Each background job counts its passes and their time, so that an operator sees one falling behind."""
    deadline = time.monotonic() + 15
    while True:
        samples = scrape(api)
        if value(samples, "livestall_job_ticks_total", job="order-clock") >= 2 and \
                value(samples, "livestall_job_ticks_total", job="notifications") >= 1:
            break
        assert time.monotonic() < deadline, "the order clock and the notification worker never reported a pass"
        time.sleep(0.5)
    assert value(samples, "livestall_job_tick_seconds_count", job="order-clock") >= 2
    assert value(samples, "livestall_job_tick_seconds_sum", job="order-clock") > 0
    assert value(samples, "livestall_job_failures_total", job="order-clock") == 0
