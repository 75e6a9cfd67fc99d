"""PostgreSQL restarts in the middle of a flash sale: no order lost or duplicated, the stock adds up."""

from __future__ import annotations

import asyncio
import threading
import uuid

import httpx
import pytest

from livestall import migrate
from tests.appserver import AppProcess
from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import flash_sale, live_shop
from tests.orders.test_processes import _send, attempts_for, check_sold
from tests.services import PostgresCluster, create_database, postgres_bin_dir

UNITS = 60


@pytest.fixture()
def restartable_postgres():
    if postgres_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    server = PostgresCluster()
    server.start()
    yield server
    server.destroy()


def test_postgres_restart_in_a_flash_sale_loses_and_duplicates_nothing(restartable_postgres, tmp_path):
    database_url = create_database(restartable_postgres.url, f"faults_{uuid.uuid4().hex[:8]}")
    migrate.upgrade(database_url)
    server = AppProcess(database_url=database_url, data_dir=tmp_path / "app",
                        env={"LIVESTALL_RTMP_ENABLED": "false"}).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as api:
            world = live_shop(api, stock=500)
            show_id, product_id = world["show"]["id"], world["product"]["id"]
            flash_sale(api, world["seller"], show_id, product_id, units=UNITS, per_buyer_limit=None)
            buyers = [register(api) for _ in range(8)]
        attempts = attempts_for(buyers, show_id, product_id, 12)  # 96 attempts for 60 units
        answered: dict[str, int] = {}
        restarted = threading.Event()

        def on_answer(response: httpx.Response) -> None:
            answered[response.request.headers["Idempotency-Key"]] = response.status_code
            if len(answered) == 20 and not restarted.is_set():
                restarted.set()
                threading.Thread(target=restartable_postgres.restart, daemon=True).start()

        answers = asyncio.run(_send([server.url], show_id, attempts, connections=10, on_answer=on_answer))
        assert restarted.is_set()
        failed = [i for i, a in enumerate(answers) if isinstance(a, Exception) or a.status_code >= 500]
        assert failed, "the restart landed between requests: nothing was in flight"
        # a buyer whose request failed in the outage tries again with the same key, as the app does
        for _ in range(10):
            retry = [i for i, a in enumerate(answers) if isinstance(a, Exception) or a.status_code >= 500]
            if not retry:
                break
            again = asyncio.run(_send([server.url], show_id, [attempts[i] for i in retry], connections=10))
            for i, answer in zip(retry, again):
                answers[i] = answer
        assert all(not isinstance(a, Exception) and a.status_code in (200, 201, 409) for a in answers), \
            [getattr(a, "text", repr(a))[:200] for a in answers if isinstance(a, Exception) or a.status_code >= 400
             and a.status_code != 409][:5]
        won = {(a.json()["buyer_id"], a.request.headers["Idempotency-Key"]): a.json()["id"]
               for a in answers if a.status_code in (200, 201)}
        assert len(won) == UNITS  # the sale sold out exactly, to buyers that were told so
        orders = {(b, k): i for i, b, k in run_sql(
            database_url, "SELECT id, buyer_id, idempotency_key FROM orders WHERE product_id = :p", p=product_id)}
        assert orders == won  # none lost, none duplicated, none the buyers were not told of
        assert check_sold(database_url, product_id, 500) == UNITS  # the sale's units came out of the stock
        left = run_sql(database_url, "SELECT units_left FROM flash_sales WHERE product_id = :p", p=product_id)
        assert left == [(0,)]
    finally:
        server.stop()
