"""SIGKILL in a rush of wallet payments: after a restart the ledger checks out and no payment is lost.

(A SIGKILL in a rush of purchases, where no money moves yet, is tests/orders/test_processes.py.)
"""

from __future__ import annotations

import asyncio

import httpx

from tests.appserver import AppProcess
from tests.helpers import register
from tests.orders.support import buy, ledger_check, live_shop, top_up

PRICE, PER_BUYER = 1000, 6


async def _pay_all(url: str, orders: list[tuple[dict, dict]], on_answer=None) -> list:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        async def one(headers: dict, order: dict):
            try:
                response = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=headers,
                                             json={"provider": "wallet"})
            except httpx.HTTPError as exc:
                return exc
            if on_answer is not None:
                on_answer(response)
            return response

        return await asyncio.gather(*(one(h, o) for h, o in orders))


def test_sigkill_while_paying_then_restart_and_the_ledger_checks_out(api, app_server, tmp_path):
    database_url = app_server.database_url
    world = live_shop(api, stock=100, price_minor=PRICE)
    buyers = [register(api) for _ in range(4)]
    for buyer in buyers:
        top_up(api, database_url, buyer, PRICE * PER_BUYER)
    orders = [(b.headers, buy(api, b, world["show"]["id"], world["product"]["id"]).json())
              for _ in range(PER_BUYER) for b in buyers]
    victim = AppProcess(database_url=database_url, data_dir=tmp_path / "victim").start()
    paid: list[httpx.Response] = []

    def on_answer(response: httpx.Response) -> None:
        if response.status_code == 200:
            paid.append(response)
            if len(paid) == 8:
                victim.kill()  # no cleanup at all, payments in flight

    answers = asyncio.run(_pay_all(victim.url, orders, on_answer))
    assert victim.proc.poll() is not None and any(isinstance(a, Exception) for a in answers)
    restarted = AppProcess(database_url=database_url, data_dir=tmp_path / "victim").start()
    try:
        report = ledger_check(api, database_url)
        assert report["ok"], report
        for response in paid:  # every payment that was confirmed is on record
            assert api.get(f"/api/v1/orders/{response.json()['id']}",
                           headers=_owner(buyers, response)).json()["status"] == "paid"
        # buyers pay what was left; each order is paid once, whatever happened before the kill
        again = asyncio.run(_pay_all(restarted.url, orders))
        assert {a.status_code for a in again} <= {200, 409}
        for buyer in buyers:
            wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()["wallets"][0]
            assert wallet["balance"]["amount_minor"] == 0
            mine = api.get("/api/v1/me/orders", headers=buyer.headers).json()["items"]
            assert sum(o["status"] == "paid" for o in mine) == PER_BUYER
        report = ledger_check(api, database_url)
        assert report["ok"], report
    finally:
        restarted.stop()


def _owner(buyers, response: httpx.Response) -> dict:
    return next(b.headers for b in buyers if b.id == response.json()["buyer_id"])
