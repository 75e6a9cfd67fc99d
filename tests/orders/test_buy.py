"""Buy now: reservations, idempotency, bad input, payment from the wallet, the order lifecycle."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import ADDRESS, buy, ledger_check, live_shop, top_up


@pytest.fixture()
def world(api):
    return live_shop(api, stock=5, price_minor=12800)


@pytest.fixture(scope="module")
def shared_world(app_server):
    """One live shop for the tests that must change nothing."""
    import httpx

    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        world = live_shop(client, stock=5, price_minor=12800)
        world["buyer"] = register(client)
        return world


def stock_of(api, product_id: int) -> int:
    return api.get(f"/api/v1/products/{product_id}").json()["stock"]


def test_buy_reserves_stock_and_the_same_key_returns_the_same_order(api, world):
    buyer = register(api)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    first = buy(api, buyer, show_id, product_id, key="tap-1", quantity=2)
    assert first.status_code == 201, first.text
    order = first.json()
    assert (order["status"], order["quantity"], order["total"]["amount_minor"]) == ("reserved", 2, 25600)
    assert order["shipping"]["city"] == "Shanghai" and order["reserved_until"] > order["created_at"]
    again = buy(api, buyer, show_id, product_id, key="tap-1", quantity=2)
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stock_of(api, product_id) == 3
    other = buy(api, buyer, show_id, product_id, key="tap-1", quantity=1)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert other.json()["errors"][0]["rule"] == "same_request"
    assert stock_of(api, product_id) == 3
    mine = api.get("/api/v1/me/orders", headers=buyer.headers).json()
    assert [o["id"] for o in mine["items"]] == [order["id"]]


@pytest.mark.parametrize("change, status, field, rule", [
    ({"quantity": 0}, 422, "quantity", "greater_than_equal"),
    ({"quantity": -1}, 422, "quantity", "greater_than_equal"),
    ({"quantity": 6}, 409, "quantity", "in_stock"),
    ({"currency": "EUR"}, 422, "currency", "matches_price_currency"),
    ({"option": "XL"}, 422, "option", "no_options"),
    ({"shipping": {**ADDRESS, "country": "China"}}, 422, "shipping.country", "iso_country"),
    ({"shipping": {**ADDRESS, "postal_code": ""}}, 422, "shipping.postal_code", "string_too_short"),
])
def test_bad_purchases_are_named_and_change_nothing(api, shared_world, change, status, field, rule):
    world, buyer = shared_world, shared_world["buyer"]
    response = buy(api, buyer, world["show"]["id"], world["product"]["id"], **change)
    assert response.status_code == status, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["rule"]) == (field, rule)
    assert stock_of(api, world["product"]["id"]) == 5
    assert api.get("/api/v1/me/orders", headers=buyer.headers).json()["total"] == 0


def test_the_key_is_required(api, world):
    buyer = register(api)
    response = api.post(f"/api/v1/shows/{world['show']['id']}/buy", headers=buyer.headers,
                        json={"product_id": world["product"]["id"], "quantity": 1, "shipping": ADDRESS})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "Idempotency-Key", "rule": "required",
                                            "message": response.json()["errors"][0]["message"]}


def test_only_pinned_products_of_this_live_show_sell(api, world):
    buyer = register(api)
    other = live_shop(api)
    wrong_show = buy(api, buyer, world["show"]["id"], other["product"]["id"])
    assert wrong_show.status_code == 422 and wrong_show.json()["errors"][0]["rule"] == "pinned_in_show"
    seller = world["seller"]
    api.delete(f"/api/v1/shows/{world['show']['id']}/pins/{world['product']['id']}", headers=seller.headers)
    unpinned = buy(api, buyer, world["show"]["id"], world["product"]["id"])
    assert unpinned.status_code == 422 and unpinned.json()["errors"][0]["rule"] == "pinned_in_show"
    api.post(f"/api/v1/shows/{other['show']['id']}/end", headers=other["seller"].headers)
    ended = buy(api, buyer, other["show"]["id"], other["product"]["id"])
    assert ended.status_code == 409 and ended.json()["errors"][0]["rule"] == "show_live"


def test_options_such_as_size(api):
    world = live_shop(api, options=["S", "M", "L"])
    buyer = register(api)
    missing = buy(api, buyer, world["show"]["id"], world["product"]["id"])
    assert missing.status_code == 422 and missing.json()["errors"][0]["rule"] == "one_of_options"
    chosen = buy(api, buyer, world["show"]["id"], world["product"]["id"], option="M")
    assert chosen.status_code == 201 and chosen.json()["option"] == "M"


def test_pay_from_wallet_then_ship_deliver_and_refund(api, world, app_server):
    buyer = register(api)
    top_up(api, app_server.database_url, buyer, 30000)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"]).json()
    paid = api.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "wallet"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["payment"]["status"] == "paid"
    twice = api.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "wallet"})
    assert twice.status_code == 409 and twice.json()["errors"][0]["rule"] == "not_paid"
    wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()
    assert wallet["wallets"][0]["balance"]["amount_minor"] == 30000 - 12800
    seller = world["seller"]
    assert api.post(f"/api/v1/orders/{order['id']}/deliver", headers=seller.headers).status_code == 409
    shipped = api.post(f"/api/v1/orders/{order['id']}/ship", headers=seller.headers,
                       json={"tracking_number": "SF1234567890"})
    assert shipped.json()["status"] == "shipped" and shipped.json()["tracking_number"] == "SF1234567890"
    assert api.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers).status_code == 409
    delivered = api.post(f"/api/v1/orders/{order['id']}/deliver", headers=buyer.headers)
    assert delivered.json()["status"] == "delivered"
    refunded = api.post(f"/api/v1/orders/{order['id']}/refund", headers=seller.headers)
    assert refunded.json()["status"] == "refunded"
    wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()
    assert wallet["wallets"][0]["balance"]["amount_minor"] == 30000
    receipt = api.get(f"/api/v1/orders/{order['id']}/receipt", headers=buyer.headers).json()
    assert receipt["refunded"] is True and receipt["total"]["formatted"] == "CNY 128.00"
    assert stock_of(api, world["product"]["id"]) == 4  # a refund after delivery does not restock
    assert ledger_check(api, app_server.database_url)["ok"]


def test_cancel_before_shipping_restocks_and_refunds(api, world, app_server):
    buyer = register(api)
    top_up(api, app_server.database_url, buyer, 12800)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"], pay_with="wallet").json()
    assert order["status"] == "paid" and order["payment"]["provider"] == "wallet"
    assert stock_of(api, world["product"]["id"]) == 4
    cancelled = api.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert stock_of(api, world["product"]["id"]) == 5
    wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()
    assert wallet["wallets"][0]["balance"]["amount_minor"] == 12800


def test_insufficient_funds_leave_the_order_reserved(api, world, app_server):
    buyer = register(api)
    top_up(api, app_server.database_url, buyer, 100)
    response = buy(api, buyer, world["show"]["id"], world["product"]["id"], pay_with="wallet")
    assert response.status_code == 201
    order = response.json()
    assert order["status"] == "reserved" and order["payment"]["status"] == "failed"
    assert order["payment"]["error"]["errors"][0]["rule"] == "sufficient_funds"
    wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()
    assert wallet["wallets"][0]["balance"]["amount_minor"] == 100


def test_paying_an_order_the_expiry_job_already_closed_says_the_reservation_expired(api, world, app_server):
    buyer = register(api)
    top_up(api, app_server.database_url, buyer, 50000)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"]).json()
    run_sql(app_server.database_url, "UPDATE orders SET status = 'expired' WHERE id = :i", i=order["id"])
    late = api.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "wallet"})
    assert late.status_code == 409 and late.json()["errors"][0]["rule"] == "reservation_open"


def test_expired_reservations_release_stock_and_cannot_be_paid(api, world, app_server):
    buyer = register(api)
    top_up(api, app_server.database_url, buyer, 50000)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"], quantity=3).json()
    assert stock_of(api, world["product"]["id"]) == 2
    run_sql(app_server.database_url, "UPDATE orders SET reserved_until = :t WHERE id = :i",
            t="2000-01-01 00:00:00.000000" if "sqlite" in app_server.database_url
            else datetime(2000, 1, 1, tzinfo=timezone.utc),
            i=order["id"])
    late = api.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "wallet"})
    assert late.status_code == 409 and late.json()["errors"][0]["rule"] == "reservation_open"
    import time

    deadline = time.monotonic() + 10
    while api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()["status"] != "expired":
        assert time.monotonic() < deadline, "the expiry job did not run"
        time.sleep(0.2)
    assert stock_of(api, world["product"]["id"]) == 5


def test_who_sees_and_changes_an_order(api, world):
    buyer = register(api)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"]).json()
    stranger = register(api, roles=["seller"])
    assert api.get(f"/api/v1/orders/{order['id']}", headers=stranger.headers).status_code == 404
    assert api.post(f"/api/v1/orders/{order['id']}/cancel", headers=stranger.headers).status_code == 403
    assert api.post(f"/api/v1/orders/{order['id']}/pay", headers=world["seller"].headers,
                    json={"provider": "wallet"}).status_code == 403
    listed = api.get(f"/api/v1/shops/{world['shop']['id']}/orders", headers=world["seller"].headers,
                     params={"status": "reserved", "show_id": world["show"]["id"]}).json()
    assert [o["id"] for o in listed["items"]] == [order["id"]]
    assert api.get(f"/api/v1/shops/{world['shop']['id']}/orders", headers=buyer.headers).status_code == 403


def test_buy_now_keeps_its_refusals_and_its_documentation_on_its_own_route(api, world):
    """Buy now is answered by a route of its own, first in the app: a show id that is not a number is still refused
    naming the field, and the call is still in the API's schema."""
    buyer = register(api)
    body = {"product_id": world["product"]["id"], "quantity": 1, "shipping": ADDRESS}
    bad = api.post("/api/v1/shows/tonight/buy", json=body, headers={**buyer.headers, "Idempotency-Key": "tap-x"})
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"] == "show_id"
    assert api.get("/api/v1/shows/1/buy").status_code == 405  # POST only, as before
    schema = api.get("/openapi.json").json()
    assert schema["paths"]["/api/v1/shows/{show_id}/buy"]["post"]["requestBody"]["required"] is True
    assert stock_of(api, world["product"]["id"]) == 5
