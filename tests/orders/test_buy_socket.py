"""Buying over the room socket: the same writer, the same rules and the same idempotency as HTTP buy-now."""

from __future__ import annotations

import uuid

from tests.helpers import make_product, register
from tests.orders.support import ADDRESS, buy, flash_sale, live_shop, top_up
from tests.room_client import RoomClient


def tap(client: RoomClient, product_id: int, key: str | None = None, **fields) -> dict:
    """One `buy` frame and its answer."""
    return client.request("buy", **{"product_id": product_id, "quantity": 1, "shipping": ADDRESS,
                                    "key": key or uuid.uuid4().hex, **fields})


def test_a_tap_reserves_and_the_same_key_gives_the_same_order(api, app_server):
    world = live_shop(api, stock=3, price_minor=8800)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    buyer = register(api)
    with RoomClient(app_server.ws_base, show_id, buyer.token) as room:
        won = tap(room, product_id, key="tap-1")
        assert won["type"] == "ack" and won["data"]["replayed"] is False
        order = won["data"]["order"]
        assert (order["status"], order["quantity"], order["total"]["amount_minor"]) == ("reserved", 1, 8800)
        again = tap(room, product_id, key="tap-1")
        assert again["data"] == {"order": order, "replayed": True}
        other = tap(room, product_id, key="tap-1", quantity=2)
        assert (other["type"], other["field"], other["rule"]) == ("error", "Idempotency-Key", "same_request")
    # The key is the buyer's across doors: HTTP with it answers with the socket's order.
    replayed = buy(api, buyer, show_id, product_id, key="tap-1")
    assert replayed.status_code == 200 and replayed.json()["id"] == order["id"]
    assert api.get(f"/api/v1/products/{product_id}").json()["stock"] == 2


def test_sold_out_limit_not_pinned_and_bad_input_are_named(api, app_server):
    world = live_shop(api, stock=1)
    show_id, product_id, seller = world["show"]["id"], world["product"]["id"], world["seller"]
    first, second = register(api), register(api)
    with RoomClient(app_server.ws_base, show_id, first.token) as a, \
            RoomClient(app_server.ws_base, show_id, second.token) as b:
        assert tap(a, product_id)["type"] == "ack"
        sold_out = tap(b, product_id)
        assert (sold_out["code"], sold_out["field"], sold_out["rule"]) == ("conflict", "quantity", "in_stock")
        assert sold_out["message"].endswith("sold out")

        scarf = make_product(api, seller, world["shop"]["id"], stock=10)
        unpinned = tap(b, scarf["id"])
        assert unpinned["type"] == "error" and unpinned["field"] == "product_id"

        assert api.put(f"/api/v1/shows/{show_id}/pins", headers=seller.headers,
                       json={"product_ids": [product_id, scarf["id"]]}).status_code == 200
        sale = flash_sale(api, seller, show_id, scarf["id"], units=5, per_buyer_limit=1)
        assert tap(b, scarf["id"])["type"] == "ack"
        limit = tap(b, scarf["id"])
        assert (limit["field"], limit["rule"]) == ("quantity", "per_buyer_limit")

        no_key = b.request("buy", product_id=scarf["id"], quantity=1, shipping=ADDRESS)
        assert (no_key["field"], no_key["rule"]) == ("key", "required")
        zero = tap(b, scarf["id"], quantity=0)
        assert (zero["code"], zero["field"]) == ("invalid", "quantity")
        no_address = b.request("buy", product_id=scarf["id"], quantity=1, key=uuid.uuid4().hex)
        assert (no_address["code"], no_address["field"]) == ("invalid", "shipping")
    sales = api.get(f"/api/v1/shows/{show_id}/flash-sales").json()
    assert [s["units_left"] for s in sales if s["id"] == sale["id"]] == [4]  # one sold; the refusals took nothing


def test_anonymous_viewers_are_told_to_log_in(api, app_server):
    world = live_shop(api)
    with RoomClient(app_server.ws_base, world["show"]["id"]) as anonymous:
        refused = tap(anonymous, world["product"]["id"])
        assert (refused["type"], refused["code"]) == ("error", "unauthorized")
    assert api.get(f"/api/v1/products/{world['product']['id']}").json()["stock"] == 10


def test_a_reconnect_mid_purchase_gets_the_order_the_first_tap_made(api, app_server):
    world = live_shop(api, stock=5)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    buyer = register(api)
    lost = RoomClient(app_server.ws_base, show_id, buyer.token)
    lost.send("buy", product_id=product_id, quantity=1, shipping=ADDRESS, key="flaky-1")
    lost.close()  # the phone lost its connection before the answer came
    with RoomClient(app_server.ws_base, show_id, buyer.token) as back:
        answer = tap(back, product_id, key="flaky-1")
    assert answer["type"] == "ack"
    orders = api.get("/api/v1/me/orders", headers=buyer.headers).json()["items"]
    assert [o["id"] for o in orders] == [answer["data"]["order"]["id"]]
    assert api.get(f"/api/v1/products/{product_id}").json()["stock"] == 4


def test_pay_with_the_wallet_in_the_same_tap(api, app_server, database_url):
    world = live_shop(api, stock=2, price_minor=5000)
    buyer = register(api)
    top_up(api, database_url, buyer, 20_000)
    with RoomClient(app_server.ws_base, world["show"]["id"], buyer.token) as room:
        paid = tap(room, world["product"]["id"], pay_with="wallet")
    assert paid["data"]["order"]["status"] == "paid"
    assert paid["data"]["order"]["payment"]["provider"] == "wallet"


def test_a_logout_refuses_the_known_token_at_once(api, app_server):
    """Buy-now knows a token for a few seconds without the database; a logout ends that at once."""
    world = live_shop(api, stock=5)
    buyer = register(api)
    assert buy(api, buyer, world["show"]["id"], world["product"]["id"]).status_code == 201  # the token is known
    assert api.post("/api/v1/auth/logout", headers=buyer.headers).status_code == 204
    refused = buy(api, buyer, world["show"]["id"], world["product"]["id"])
    assert refused.status_code == 401
    assert api.get(f"/api/v1/products/{world['product']['id']}").json()["stock"] == 4
