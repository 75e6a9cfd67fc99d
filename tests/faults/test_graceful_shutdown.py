"""SIGTERM in a purchase rush: answered buyers have their orders, viewers are told to reconnect, exit 0."""

from __future__ import annotations

import asyncio
import signal
import threading
import time

import httpx
from websockets.exceptions import ConnectionClosed

from tests.appserver import AppProcess
from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import live_shop
from tests.orders.test_processes import _send, attempts_for, check_sold
from tests.room_client import RoomClient


def test_sigterm_in_a_rush_drains_rooms_and_settles_every_answered_purchase(api, app_server, tmp_path):
    database_url = app_server.database_url
    world = live_shop(api, stock=1000)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    buyers = [register(api) for _ in range(4)]
    attempts = attempts_for(buyers, show_id, product_id, 100)
    server = AppProcess(database_url=database_url, data_dir=tmp_path / "stopping").start()
    viewer = RoomClient(server.ws_base, show_id, buyers[0].token)
    closed: dict = {}

    def watch() -> None:  # read the viewer's socket until the server closes it
        try:
            while True:
                viewer._read(0.5)
        except ConnectionClosed as exc:
            closed["code"] = exc.rcvd.code if exc.rcvd else None

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    accepted: list[httpx.Response] = []
    stopped: dict = {}

    def on_answer(response: httpx.Response) -> None:
        if response.status_code == 201:
            accepted.append(response)
            if len(accepted) == 40 and not stopped:
                stopped["at"] = time.monotonic()
                server.proc.send_signal(signal.SIGTERM)  # as systemd or a deploy would, mid-rush

    try:
        answers = asyncio.run(_send([server.url], show_id, attempts, connections=30, on_answer=on_answer))
        code = server.proc.wait(15)
        took = time.monotonic() - stopped["at"]
        reader.join(5)
    finally:
        server.kill()
        viewer.close()

    assert code == 0, server.log()
    assert took < 10, f"stopping took {took:.1f}s"
    assert {a.status_code for a in answers if not isinstance(a, Exception)} <= {201}
    assert any(isinstance(a, Exception) for a in answers)  # the stop did land mid-rush
    # every answered buyer has the order the answer named, under the key it sent
    orders = {(b, k): i for i, b, k in run_sql(
        database_url, "SELECT id, buyer_id, idempotency_key FROM orders WHERE product_id = :p", p=product_id)}
    for response in accepted:
        assert orders[(response.json()["buyer_id"], response.request.headers["Idempotency-Key"])] == \
            response.json()["id"]
    # nothing half-written: stock taken equals the units the orders hold, all of them reserved
    assert check_sold(database_url, product_id, 1000) == len(orders) >= len(accepted)
    statuses = run_sql(database_url, "SELECT DISTINCT status FROM orders WHERE product_id = :p", p=product_id)
    assert {s for (s,) in statuses} == {"reserved"}
    # the viewer was told to come back later, then the socket closed as a restart
    reconnect = [f for f in viewer.frames if f["type"] == "reconnect"]
    assert reconnect and 500 <= reconnect[0]["retry_after_ms"] <= 5000, viewer.frames[-3:]
    assert closed.get("code") == 1012
