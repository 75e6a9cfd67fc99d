"""Several app processes on one database never oversell; a SIGKILL in a rush loses and duplicates nothing."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from livestall import migrate
from tests.appserver import AppProcess
from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import ADDRESS, flash_sale, live_shop
from tests.services import create_database

HOLDING = "('reserved', 'paid', 'shipped', 'delivered')"


def attempts_for(buyers, show_id: int, product_id: int, per_buyer: int) -> list[tuple[dict, dict]]:
    body = {"product_id": product_id, "quantity": 1, "shipping": ADDRESS}
    return [({**b.headers, "Idempotency-Key": uuid.uuid4().hex}, body) for _ in range(per_buyer) for b in buyers]


async def _send(urls: list[str], show_id: int, attempts, connections: int = 40, on_answer=None) -> list:
    """POST every attempt, spread over the processes; an answer, or the exception when the server died."""
    clients = [httpx.AsyncClient(base_url=u, timeout=30, limits=httpx.Limits(max_connections=connections))
               for u in urls]
    gate = asyncio.Semaphore(connections * len(urls))

    async def one(i: int, headers: dict, body: dict):
        async with gate:
            try:
                response = await clients[i % len(clients)].post(f"/api/v1/shows/{show_id}/buy", json=body,
                                                                headers=headers)
            except httpx.HTTPError as exc:
                return exc
            if on_answer is not None:
                on_answer(response)
            return response

    try:
        return await asyncio.gather(*(one(i, h, b) for i, (h, b) in enumerate(attempts)))
    finally:
        for client in clients:
            await client.aclose()


def check_sold(database_url: str, product_id: int, initial: int) -> int:
    """Units held by orders; asserts the stock row and the orders add up to what there was."""
    stock = run_sql(database_url, "SELECT stock FROM products WHERE id = :p", p=product_id)[0][0]
    flash = run_sql(database_url, "SELECT COALESCE(SUM(units_left), 0) FROM flash_sales WHERE product_id = :p",
                    p=product_id)[0][0]
    held = run_sql(database_url, f"SELECT COALESCE(SUM(quantity), 0) FROM orders WHERE product_id = :p "
                                 f"AND status IN {HOLDING}", p=product_id)[0][0]
    assert stock >= 0 and flash >= 0
    assert stock + flash + held == initial, (stock, flash, held)
    return held


def two_processes_never_oversell(api_a: httpx.Client, url_b: str, database_url: str) -> None:
    world = live_shop(api_a, products=2, stock=20)
    show_id, seller = world["show"]["id"], world["seller"]
    plain, hot = world["products"][0]["id"], world["products"][1]["id"]
    flash_sale(api_a, seller, show_id, hot, units=12, per_buyer_limit=2)
    buyers = [register(api_a) for _ in range(8)]
    attempts = attempts_for(buyers, show_id, plain, 5) + attempts_for(buyers, show_id, hot, 5)
    answers = asyncio.run(_send([str(api_a.base_url), url_b], show_id, attempts))
    codes = [a.status_code for a in answers]
    assert set(codes) <= {201, 409}, [a.text for a in answers if a.status_code not in (201, 409)]
    assert codes.count(201) == 20 + 12
    assert check_sold(database_url, plain, 20) == 20
    assert check_sold(database_url, hot, 20) == 12
    per_buyer = run_sql(database_url, "SELECT buyer_id, SUM(quantity) FROM orders WHERE flash_sale_id IS NOT NULL "
                                      "AND product_id = :p GROUP BY buyer_id", p=hot)
    assert max(n for _, n in per_buyer) <= 2 and sum(n for _, n in per_buyer) == 12


def test_two_processes_on_one_sqlite_file(api, app_server, tmp_path):
    second = AppProcess(database_url=app_server.database_url, data_dir=tmp_path / "b").start()
    try:
        two_processes_never_oversell(api, second.url, app_server.database_url)
    finally:
        second.stop()


def test_two_processes_on_postgresql(postgres_url, tmp_path):
    url = create_database(postgres_url, f"procs_{uuid.uuid4().hex[:8]}")
    migrate.upgrade(url)
    a = AppProcess(database_url=url, data_dir=tmp_path / "a").start()
    b = AppProcess(database_url=url, data_dir=tmp_path / "b").start()
    try:
        with httpx.Client(base_url=a.url, timeout=30) as api_a:
            two_processes_never_oversell(api_a, b.url, url)
    finally:
        a.stop()
        b.stop()


def test_sigkill_in_a_rush_loses_nothing(api, app_server, tmp_path):
    database_url = app_server.database_url
    world = live_shop(api, stock=150)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    buyers = [register(api) for _ in range(4)]
    attempts = attempts_for(buyers, show_id, product_id, 100)
    victim = AppProcess(database_url=database_url, data_dir=tmp_path / "victim").start()
    accepted: list[httpx.Response] = []

    def on_answer(response: httpx.Response) -> None:
        if response.status_code == 201:
            accepted.append(response)
            if len(accepted) == 40:
                victim.kill()  # SIGKILL the whole process group, mid-rush: no cleanup at all

    answers = asyncio.run(_send([victim.url], show_id, attempts, connections=30, on_answer=on_answer))
    assert victim.proc.poll() is not None and any(isinstance(a, Exception) for a in answers)
    held = check_sold(database_url, product_id, 150)
    orders = {(buyer, key): order_id for order_id, buyer, key in run_sql(
        database_url, "SELECT id, buyer_id, idempotency_key FROM orders WHERE product_id = :p", p=product_id)}
    for response in accepted:  # every answered order is there, under its key
        sent = response.request.headers
        order = response.json()
        assert orders[(order["buyer_id"], sent["Idempotency-Key"])] == order["id"]
    assert held == len(orders) >= len(accepted)

    restarted = AppProcess(database_url=database_url, data_dir=tmp_path / "victim").start()
    try:
        again = asyncio.run(_send([restarted.url], show_id, attempts))
        for _ in range(3):  # a connection dropped under load is retried, as any client would: the key makes it safe
            failed = [i for i, a in enumerate(again) if isinstance(a, Exception)]
            if not failed:
                break
            retried = asyncio.run(_send([restarted.url], show_id, [attempts[i] for i in failed]))
            for i, answer in zip(failed, retried):
                again[i] = answer
        replayed = {(a.json()["buyer_id"], a.request.headers["Idempotency-Key"]): a.json()["id"]
                    for a in again if a.status_code in (200, 201)}
        for key, order_id in orders.items():  # the same keys find the same orders, never second ones
            assert replayed[key] == order_id
        assert {a.status_code for a in again} <= {200, 201, 409}
        total = run_sql(database_url, "SELECT COUNT(*) FROM orders WHERE product_id = :p", p=product_id)[0][0]
        assert total == len(replayed) == 150
        assert check_sold(database_url, product_id, 150) == 150
    finally:
        restarted.stop()


