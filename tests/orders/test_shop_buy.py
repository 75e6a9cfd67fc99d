"""Buying outside a live show (POST /api/v1/orders): normal price, stock, idempotency, bad input, paying."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import make_product, make_shop, register
from tests.orders.support import ADDRESS, at_once, flash_sale, ledger_check, live_shop, top_up


def order_from_shop(api, buyer, product_id: int, *, key: str | None = None, **body):
    payload = {"product_id": product_id, "quantity": 1, "shipping": ADDRESS, **body}
    return api.post("/api/v1/orders", json=payload,
                    headers={**buyer.headers, "Idempotency-Key": key or uuid.uuid4().hex})


def stock_of(api, product_id: int) -> int:
    return api.get(f"/api/v1/products/{product_id}").json()["stock"]


@pytest.fixture()
def product(api):
    seller = register(api, roles=["seller"])
    shop = make_shop(api, seller)
    return make_product(api, seller, shop["id"], stock=3, price_minor=12800, options=["S", "M"])


def test_an_order_without_a_show_reserves_at_the_normal_price(api, product):
    buyer = register(api)
    first = order_from_shop(api, buyer, product["id"], key="shop-1", quantity=2, option="M")
    assert first.status_code == 201, first.text
    order = first.json()
    assert (order["status"], order["show_id"], order["quantity"], order["option"]) == ("reserved", None, 2, "M")
    assert order["total"]["amount_minor"] == 25600
    again = order_from_shop(api, buyer, product["id"], key="shop-1", quantity=2, option="M")
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    other = order_from_shop(api, buyer, product["id"], key="shop-1", quantity=1, option="M")
    assert other.status_code == 422 and other.json()["errors"][0]["rule"] == "same_request"
    assert stock_of(api, product["id"]) == 1
    mine = api.get("/api/v1/me/orders", headers=buyer.headers).json()
    assert [o["id"] for o in mine["items"]] == [order["id"]]


@pytest.mark.parametrize("change, status, field, rule", [
    ({"quantity": 0}, 422, "quantity", "greater_than_equal"),
    ({"quantity": 4, "option": "S"}, 409, "quantity", "in_stock"),
    ({"option": "XL"}, 422, "option", "one_of_options"),
    ({}, 422, "option", "one_of_options"),
    ({"option": "S", "currency": "EUR"}, 422, "currency", "matches_price_currency"),
    ({"option": "S", "product_id": 10 ** 9}, 422, "product_id", "active_product"),
    ({"option": "S", "shipping": {**ADDRESS, "postal_code": ""}}, 422, "shipping.postal_code", "string_too_short"),
])
def test_bad_orders_are_named_and_change_nothing(api, product, change, status, field, rule):
    buyer = register(api)
    response = order_from_shop(api, buyer, change.pop("product_id", product["id"]), **change)
    assert response.status_code == status, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["rule"]) == (field, rule)
    assert stock_of(api, product["id"]) == 3
    assert api.get("/api/v1/me/orders", headers=buyer.headers).json()["total"] == 0


def test_a_draft_product_is_not_sold_and_login_is_needed(api):
    seller = register(api, roles=["seller"])
    shop = make_shop(api, seller)
    draft = make_product(api, seller, shop["id"], status="draft")
    response = order_from_shop(api, register(api), draft["id"])
    assert (response.status_code, response.json()["errors"][0]["rule"]) == (422, "active_product")
    anonymous = api.post("/api/v1/orders", json={"product_id": draft["id"], "shipping": ADDRESS},
                         headers={"Idempotency-Key": "k"})
    assert anonymous.status_code == 401


def test_paid_from_the_wallet_outside_a_flash_sale_at_the_list_price(api, app_server):
    world = live_shop(api, stock=5, price_minor=12800)
    flash_sale(api, world["seller"], world["show"]["id"], world["product"]["id"], sale_price_minor=5000, units=2)
    buyer = register(api)
    top_up(api, app_server.database_url, buyer, 20000)
    order = order_from_shop(api, buyer, world["product"]["id"], pay_with="wallet").json()
    assert (order["status"], order["total"]["amount_minor"], order["flash_sale_id"]) == ("paid", 12800, None)
    poor = register(api)
    short = order_from_shop(api, poor, world["product"]["id"], pay_with="wallet").json()
    assert short["status"] == "reserved" and short["payment"]["error"]["errors"][0]["rule"] == "sufficient_funds"
    assert stock_of(api, world["product"]["id"]) == 5 - 2 - 2
    assert ledger_check(api, app_server.database_url)["ok"]


def test_two_buyers_racing_for_the_last_unit_one_wins(api, app_server):
    seller = register(api, roles=["seller"])
    product = make_product(api, seller, make_shop(api, seller)["id"], stock=1)
    buyers = [register(api), register(api)]
    first, second = at_once(app_server.url, *(lambda client, b=b: order_from_shop(client, b, product["id"])
                                              for b in buyers))
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    assert stock_of(api, product["id"]) == 0
