"""Flash sales over HTTP: sale price, units, per-buyer limits under concurrency, the end, bad input."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.helpers import register
from tests.orders.support import ADDRESS, buy, flash_sale, live_shop, soon


def rush(base_url: str, requests: list[tuple[dict, dict, str]]) -> list[httpx.Response]:
    """Send (headers, body, path) POSTs all at once."""

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests))
        async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
            return await asyncio.gather(*(client.post(path, json=body, headers=headers)
                                          for headers, body, path in requests))

    return asyncio.run(run())


@pytest.fixture(scope="module")
def shared_world(app_server):
    """One live shop for the tests that must change nothing."""
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        return live_shop(client, stock=10)


def stock_of(api, product_id: int) -> int:
    return api.get(f"/api/v1/products/{product_id}").json()["stock"]


def test_flash_price_units_and_end(api):
    world = live_shop(api, stock=10, price_minor=20000)
    show_id, product_id, seller = world["show"]["id"], world["product"]["id"], world["seller"]
    sale = flash_sale(api, seller, show_id, product_id, sale_price_minor=9900, units=3)
    assert stock_of(api, product_id) == 7
    buyer = register(api)
    order = buy(api, buyer, show_id, product_id, quantity=2).json()
    assert (order["flash_sale_id"], order["unit_price"]["amount_minor"], order["total"]["amount_minor"]) == (
        sale["id"], 9900, 19800)
    over = buy(api, buyer, show_id, product_id, quantity=2)
    assert over.status_code == 409 and over.json()["errors"][0]["message"] == "only 1 left"
    ended = api.post(f"/api/v1/flash-sales/{sale['id']}/end", headers=seller.headers)
    assert ended.json()["status"] == "ended"
    assert stock_of(api, product_id) == 8  # the unsold unit is back
    regular = buy(api, buyer, show_id, product_id).json()
    assert regular["flash_sale_id"] is None and regular["unit_price"]["amount_minor"] == 20000
    cancelled = api.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert stock_of(api, product_id) == 7 + 2  # after the sale, its units go back to the product


def test_a_sale_that_has_not_started_sells_at_the_regular_price(api):
    world = live_shop(api, stock=10, price_minor=20000)
    show_id, product_id, seller = world["show"]["id"], world["product"]["id"], world["seller"]
    sale = flash_sale(api, seller, show_id, product_id, starts_at=soon(120), units=2)
    assert sale["status"] == "scheduled" and sale["seconds_to_start"] > 100
    order = buy(api, register(api), show_id, product_id).json()
    assert order["flash_sale_id"] is None and order["unit_price"]["amount_minor"] == 20000
    called_off = api.post(f"/api/v1/flash-sales/{sale['id']}/end", headers=seller.headers).json()
    assert called_off["status"] == "cancelled"
    assert stock_of(api, product_id) == 9


@pytest.mark.parametrize("change, status, field, rule", [
    ({"duration_s": 30}, 422, "duration_s", "greater_than_equal"),
    ({"duration_s": 1201}, 422, "duration_s", "less_than_equal"),
    ({"units": 11}, 409, "units", "in_stock"),
    ({"units": 0}, 422, "units", "greater_than_equal"),
    ({"starts_at": "2020-01-01T00:00:00Z"}, 422, "starts_at", "not_in_past"),
    ({"currency": "USD"}, 422, "currency", "matches_shop_currency"),
    ({"per_buyer_limit": 0}, 422, "per_buyer_limit", "greater_than_equal"),
])
def test_bad_flash_sales_are_named(api, shared_world, change, status, field, rule):
    world = shared_world
    body = {"product_id": world["product"]["id"], "duration_s": 300, "sale_price_minor": 100, "units": 5, **change}
    response = api.post(f"/api/v1/shows/{world['show']['id']}/flash-sales", headers=world["seller"].headers,
                        json=body)
    assert response.status_code == status, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["rule"]) == (field, rule)
    assert stock_of(api, world["product"]["id"]) == 10


def test_per_buyer_limit_holds_under_concurrency(api, app_server):
    world = live_shop(api, stock=100)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    flash_sale(api, world["seller"], show_id, product_id, units=50, per_buyer_limit=2)
    buyers = [register(api) for _ in range(3)]
    requests = [({**b.headers, "Idempotency-Key": uuid.uuid4().hex},
                 {"product_id": product_id, "quantity": 1, "shipping": ADDRESS}, f"/api/v1/shows/{show_id}/buy")
                for b in buyers for _ in range(12)]
    answers = rush(app_server.url, requests)
    codes = [r.status_code for r in answers]
    assert codes.count(201) == 6, [r.text for r in answers if r.status_code not in (201, 409)]
    assert {r.json()["errors"][0]["rule"] for r in answers if r.status_code == 409} == {"per_buyer_limit"}
    for b in buyers:
        assert api.get("/api/v1/me/orders", headers=b.headers).json()["total"] == 2


def test_the_same_key_at_once_makes_one_order(api, app_server):
    world = live_shop(api, stock=100)
    buyer = register(api)
    key = uuid.uuid4().hex
    body = {"product_id": world["product"]["id"], "quantity": 1, "shipping": ADDRESS}
    answers = rush(app_server.url, [({**buyer.headers, "Idempotency-Key": key}, body,
                                     f"/api/v1/shows/{world['show']['id']}/buy")] * 15)
    assert {r.status_code for r in answers} <= {200, 201}
    assert len({r.json()["id"] for r in answers}) == 1
    assert api.get("/api/v1/me/orders", headers=buyer.headers).json()["total"] == 1
    assert stock_of(api, world["product"]["id"]) == 99
