"""Pins: the shelf of a live show, who may change it, and what its room hears (prices, stock, sales)."""

from __future__ import annotations

import pytest

from tests.helpers import make_product, make_shop, make_show, register
from tests.orders.support import buy, flash_sale, live_shop
from tests.room_client import RoomClient


@pytest.fixture()
def seller(api):
    return register(api, roles=["seller", "host"])


def test_pinning_needs_a_live_show_and_a_moderator(api, seller):
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"])
    show = make_show(api, seller, shop["id"])
    early = api.post(f"/api/v1/shows/{show['id']}/pins", headers=seller.headers, json={"product_id": product["id"]})
    assert early.status_code == 409 and early.json()["errors"][0]["rule"] == "show_live"
    api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers)
    viewer, moderator = register(api), register(api)
    assert api.post(f"/api/v1/shows/{show['id']}/pins", headers=viewer.headers,
                    json={"product_id": product["id"]}).status_code == 403
    api.put(f"/api/v1/shows/{show['id']}/moderators/{moderator.id}", headers=seller.headers)
    pinned = api.post(f"/api/v1/shows/{show['id']}/pins", headers=moderator.headers,
                      json={"product_id": product["id"]})
    assert pinned.status_code == 200, pinned.text
    assert [i["product_id"] for i in pinned.json()["items"]] == [product["id"]]


def test_shelf_order_and_bad_products(api, seller):
    world = live_shop(api, products=3)
    show_id, (a, _, c) = world["show"]["id"], [p["id"] for p in world["products"]]
    reordered = api.put(f"/api/v1/shows/{show_id}/pins", headers=world["seller"].headers,
                        json={"product_ids": [c, a]}).json()
    assert [i["product_id"] for i in reordered["items"]] == [c, a]
    assert [i["product_id"] for i in api.get(f"/api/v1/shows/{show_id}/pins").json()["items"]] == [c, a]
    foreign = live_shop(api)["product"]["id"]
    wrong = api.put(f"/api/v1/shows/{show_id}/pins", headers=world["seller"].headers,
                    json={"product_ids": [a, foreign]})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["rule"] == "product_of_show_shop"
    twice = api.put(f"/api/v1/shows/{show_id}/pins", headers=world["seller"].headers, json={"product_ids": [a, a]})
    assert twice.status_code == 422 and twice.json()["errors"][0]["rule"] == "unique"
    assert [i["product_id"] for i in api.get(f"/api/v1/shows/{show_id}/pins").json()["items"]] == [c, a]
    api.delete(f"/api/v1/shows/{show_id}/pins/{c}", headers=world["seller"].headers)
    assert [i["product_id"] for i in api.get(f"/api/v1/shows/{show_id}/pins").json()["items"]] == [a]


def test_room_hears_pins_with_every_currency_sales_and_sell_out(api, app_server, seller):
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], price_minor=12800, stock=2)
    show = make_show(api, seller, shop["id"])
    api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers)
    with RoomClient(app_server.ws_base, show["id"]) as room:
        assert room.snapshot["shelf"] == []
        api.post(f"/api/v1/shows/{show['id']}/pins", headers=seller.headers, json={"product_id": product["id"]})
        pinned = room.wait_event("pin.changed")["items"][0]
        assert pinned["price"]["formatted"] == "CNY 128.00" and pinned["stock"] == 2
        assert pinned["display_prices"]["EUR"]["formatted"] == "EUR 16.58"  # 128 / 6.64 * 0.86
        assert {"USD", "CNY", "JPY", "SAR"} <= set(pinned["display_prices"])
        assert pinned["flash_sale"] is None
        buyer = register(api)
        assert buy(api, buyer, show["id"], product["id"]).status_code == 201
        sale = room.wait_event("sale.made")
        assert (sale["product_id"], sale["units"], sale["units_left"]) == (product["id"], 1, 1)
        assert buy(api, buyer, show["id"], product["id"]).status_code == 201
        assert room.wait_event("product.sold_out")["product_id"] == product["id"]
    with RoomClient(app_server.ws_base, show["id"]) as late:
        assert [i["product_id"] for i in late.snapshot["shelf"]] == [product["id"]]
        assert late.snapshot["shelf"][0]["stock"] == 0


def test_pin_carries_the_flash_sale_countdown(api, app_server):
    world = live_shop(api, stock=10, price_minor=20000)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    with RoomClient(app_server.ws_base, show_id) as room:
        sale = flash_sale(api, world["seller"], show_id, product_id, sale_price_minor=9900, units=4,
                          starts_at=None, countdown_s=30)
        announced = room.wait_event("flash.scheduled")
        assert announced["id"] == sale["id"] and announced["display_prices"]["USD"]["formatted"] == "USD 14.91"
        shelf = api.get(f"/api/v1/shows/{show_id}/pins").json()["items"][0]
        assert shelf["flash_sale"]["units_left"] == 4 and shelf["flash_sale"]["sale_price"]["amount_minor"] == 9900
        assert shelf["stock"] == 6  # the sale's units left the regular stock
        # the order clock starts sales once a second; allow for a busy test machine
        try:
            started = room.wait_event("flash.started", timeout=30)
        except TimeoutError as exc:  # say whether the clock or the room fell behind, for the next reader
            shelf = api.get(f"/api/v1/shows/{show_id}/pins").json()["items"][0]["flash_sale"]
            raise AssertionError(f"{exc}; the shelf says {shelf}; server log:\n{app_server.log()}") from exc
        assert started["id"] == sale["id"]
