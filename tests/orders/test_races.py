"""Races on one order, against a real server: every pair of transitions two callers can make, fired at the
same moment many times. One wins or both apply in an order that is allowed; a loser gets 409 naming the
rule; afterwards the books check out and every order's state agrees with its money and its stock."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import datetime

import httpx
import pytest

from tests.appserver import AppProcess
from tests.festivals.support import make_festival
from tests.helpers import Actor, register, unique
from tests.helpers_db import make_operator
from tests.ledger.stripe_support import FakeStripe, completed, deliver, stripe_app  # noqa: F401 (a fixture)
from tests.orders.support import at_once, buy, ledger_check, live_shop, top_up

TRIES = 10
PRICE = 1000
STOCK = 400


@pytest.fixture(scope="module")
def world(app_server):
    """A live show selling one product, its seller, and a buyer with plenty of money."""
    with httpx.Client(base_url=app_server.url, timeout=30) as api:
        shop = live_shop(api, price_minor=PRICE, stock=STOCK)
        buyer = register(api)
        top_up(api, app_server.database_url, buyer, 10**8)
        return {**shop, "buyer": buyer}


def _order(api, world, *, buyer: Actor | None = None, pay: bool = False) -> dict:
    made = buy(api, buyer or world["buyer"], world["show"]["id"], world["product"]["id"],
               **({"pay_with": "wallet"} if pay else {}))
    assert made.status_code == 201, made.text
    return made.json()


def _post(path: str, actor: Actor, body: dict | None = None):
    return lambda client: client.post(path, headers=actor.headers, json=body or {})


def pay(order, actor):
    return _post(f"/api/v1/orders/{order['id']}/pay", actor, {"provider": "wallet"})


def cancel(order, actor):
    return _post(f"/api/v1/orders/{order['id']}/cancel", actor)


def ship(order, actor):
    return _post(f"/api/v1/orders/{order['id']}/ship", actor, {"tracking_number": "SF1234567"})


def deliver_order(order, actor):
    return _post(f"/api/v1/orders/{order['id']}/deliver", actor)


def refund(order, actor):
    return _post(f"/api/v1/orders/{order['id']}/refund", actor)


def _assert_loser_named(response: httpx.Response) -> None:
    """A refused move is a 409 that names the field and the rule."""
    assert response.status_code == 409, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "status" and error["rule"], error


def _books_and_stock_agree(api, app_server, world) -> None:
    """The ledger check passes, and every unit is either on sale or held by exactly one order."""
    check = ledger_check(api, app_server.database_url)
    assert check["ok"], check["problems"]
    seller = world["seller"]
    orders, page = [], 1
    while True:
        listed = api.get(f"/api/v1/shops/{world['shop']['id']}/orders", headers=seller.headers,
                         params={"page": page, "per_page": 200}).json()
        orders += listed["items"]
        if len(orders) >= listed["total"]:
            break
        page += 1
    held = sum(o["quantity"] for o in orders if o["status"] in ("reserved", "paid", "shipped", "delivered", "refunded"))
    stock = api.get(f"/api/v1/products/{world['product']['id']}").json()["stock"]
    assert stock + held == STOCK, (stock, held, Counter(o["status"] for o in orders))


def _status(api, world, order) -> dict:
    return api.get(f"/api/v1/orders/{order['id']}", headers=world["buyer"].headers).json()


@pytest.mark.parametrize("canceller", ["seller", "buyer"])
def test_pay_against_cancel(api, app_server, world, canceller):
    for _ in range(TRIES):
        order = _order(api, world)
        paid, cancelled = at_once(app_server.url, pay(order, world["buyer"]), cancel(order, world[canceller]))
        final = _status(api, world, order)
        assert cancelled.status_code == 200, cancelled.text  # a reserved or a paid order may be cancelled
        assert final["status"] == "cancelled"
        if paid.status_code == 200:  # paid first, then cancelled: the money went back
            assert final["paid_at"] is not None
            receipt = api.get(f"/api/v1/orders/{order['id']}/receipt", headers=world["buyer"].headers).json()
            assert receipt["refunded"]
        else:
            assert paid.status_code == 409 and final["paid_at"] is None, paid.text
    _books_and_stock_agree(api, app_server, world)


def test_pay_against_pay_charges_once(api, app_server, world):
    for _ in range(TRIES):
        order = _order(api, world)
        first, second = at_once(app_server.url, pay(order, world["buyer"]), pay(order, world["buyer"]))
        assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
        _assert_loser_named(first if first.status_code == 409 else second)
    _books_and_stock_agree(api, app_server, world)


def test_ship_against_cancel(api, app_server, world):
    for _ in range(TRIES):
        order = _order(api, world, pay=True)
        shipped, cancelled = at_once(app_server.url, ship(order, world["seller"]), cancel(order, world["buyer"]))
        assert sorted([shipped.status_code, cancelled.status_code]) == [200, 409], (shipped.text, cancelled.text)
        _assert_loser_named(shipped if shipped.status_code == 409 else cancelled)
        expected = "shipped" if shipped.status_code == 200 else "cancelled"
        assert _status(api, world, order)["status"] == expected
    _books_and_stock_agree(api, app_server, world)


def test_refund_against_refund_refunds_once(api, app_server, world):
    for _ in range(TRIES):
        order = _order(api, world, pay=True)
        assert ship(order, world["seller"])(api).status_code == 200
        first, second = at_once(app_server.url, refund(order, world["seller"]), refund(order, world["seller"]))
        assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
        _assert_loser_named(first if first.status_code == 409 else second)
    _books_and_stock_agree(api, app_server, world)


def test_deliver_against_refund(api, app_server, world):
    for _ in range(TRIES):
        order = _order(api, world, pay=True)
        assert ship(order, world["seller"])(api).status_code == 200
        delivered, refunded = at_once(app_server.url, deliver_order(order, world["buyer"]), refund(order, world["seller"]))
        assert refunded.status_code == 200, refunded.text  # shipped or delivered, a refund applies
        if delivered.status_code != 200:
            _assert_loser_named(delivered)
        assert _status(api, world, order)["status"] == "refunded"
    _books_and_stock_agree(api, app_server, world)


def test_voucher_pay_against_cancel(api, app_server, world):
    operator = make_operator(api, app_server.database_url)
    festival = make_festival(api, operator, [world["shop"]["id"]])
    code = unique("RACE").replace("-", "").upper()
    made = api.post(f"/api/v1/festivals/{festival['id']}/vouchers", headers=operator.headers,
                    json={"code": code, "amount_off_minor": 300, "per_user_limit": 100})
    assert made.status_code == 201, made.text
    for _ in range(TRIES):
        order = _order(api, world)
        paid, cancelled = at_once(app_server.url, _post(f"/api/v1/orders/{order['id']}/pay-with-voucher", world["buyer"],
                                          {"code": code}), cancel(order, world["seller"]))
        assert cancelled.status_code == 200, cancelled.text
        assert paid.status_code in (200, 409), paid.text
    _books_and_stock_agree(api, app_server, world)
    vouchers = api.get(f"/api/v1/festivals/{festival['id']}/vouchers", headers=operator.headers).json()
    mine = next(v for v in vouchers if v["code"] == code)
    assert mine["uses"] == 0  # every use was given back with its cancelled order


def test_wallet_pay_against_the_stripe_webhook(api, app_server, world, stripe_app):  # noqa: F811
    for _ in range(TRIES):
        order = _order(api, world)
        started = stripe_app.post(f"/api/v1/orders/{order['id']}/pay", headers=world["buyer"].headers,
                                  json={"provider": "stripe"})
        assert started.status_code == 200, started.text
        event = completed(FakeStripe.sessions[-1]["id"], PRICE)
        wallet, webhook = at_once(app_server.url, pay(order, world["buyer"]), lambda client: deliver(stripe_app, event))
        assert webhook.status_code == 200, webhook.text
        outcome = webhook.json()["outcome"]
        # Exactly one payment pays the order; Stripe's money, if it lost, is owed back to the buyer.
        assert (wallet.status_code, outcome) in ((200, "refund_owed"), (409, "paid")), (wallet.text, outcome)
        final = _status(api, world, order)
        assert (final["status"], final["payment_provider"]) == ("paid", "wallet" if outcome == "refund_owed"
                                                                 else "stripe")
    _books_and_stock_agree(api, app_server, world)


@pytest.fixture(scope="module")
def quick_expiry(app_server, tmp_path_factory):
    """A second process on the same database whose reservations last about a second and whose expiry job
    runs every 50 ms."""
    server = AppProcess(database_url=app_server.database_url, data_dir=tmp_path_factory.mktemp("quick"), env={
        "LIVESTALL_RESERVATION_MINUTES": "0.02", "LIVESTALL_ORDER_JOBS_INTERVAL_S": "0.05"}).start()
    yield server
    server.stop()


@pytest.mark.parametrize("move", ["cancel", "pay"])
def test_a_move_against_the_expiry_job(api, app_server, world, quick_expiry, move):
    with httpx.Client(base_url=quick_expiry.url, timeout=30) as quick:
        for _ in range(TRIES):
            order = _order(quick, world)
            until = datetime.fromisoformat(order["reserved_until"]).timestamp()
            time.sleep(max(0.0, until - time.time() + random.uniform(-0.08, 0.08)))  # at the very end of it
            call = cancel(order, world["buyer"]) if move == "cancel" else pay(order, world["buyer"])
            answer = call(quick)
            final = _status(api, world, order)
            if answer.status_code == 200:
                assert final["status"] == ("cancelled" if move == "cancel" else "paid")
            else:  # the reservation ran out first: the job expires it (if it has not already)
                assert answer.status_code == 409 and answer.json()["errors"][0]["rule"], answer.text
                deadline = time.monotonic() + 10
                while final["status"] == "reserved" and time.monotonic() < deadline:
                    time.sleep(0.05)
                    final = _status(api, world, order)
                assert final["status"] == "expired"
    _books_and_stock_agree(api, app_server, world)
