"""Fulfilment: what was inside becomes an order owned by the buyer, shipped, or set into jewellery bought on top."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.helpers import make_product, make_shop, register
from tests.openings.support import buy_ticket, buyer_with, live_lot, make_lot, open_ticket, wallet_minor
from tests.orders.support import ADDRESS, ledger_check


def _opened(api, app_server, *, addon_price: int = 25_000, addon_stock: int = 5, wallet: int = 50_000):
    """A lot offering a silver pendant setting, and Wang's opened ticket in it."""
    world = live_lot(api)
    seller, shop, show = world["seller"], world["shop"], world["show"]
    pendant = make_product(api, seller, shop["id"], title="Silver pendant setting", price_minor=addon_price,
                           stock=addon_stock)
    lot = make_lot(api, seller, show["id"], addon_product_id=pendant["id"])
    wang = buyer_with(api, app_server.database_url, amount_minor=wallet)
    ticket = buy_ticket(api, wang, lot["id"]).json()
    assert open_ticket(api, seller, lot["id"], ticket["id"], pearl_count=2).status_code == 200
    return {**world, "lot": lot, "pendant": pendant, "wang": wang, "ticket": ticket}


def _choose(api, buyer, ticket_id: int, choice: str, **extra) -> httpx.Response:
    return api.post(f"/api/v1/me/openings/{ticket_id}/fulfilment", headers=buyer.headers,
                    json={"choice": choice, "shipping": ADDRESS, **extra})


def test_shipping_the_contents_is_a_paid_order_the_shop_ships(api, app_server):
    world = live_lot(api)
    seller, lot_id = world["seller"], world["lot"]["id"]
    wang = buyer_with(api, app_server.database_url)
    ticket = buy_ticket(api, wang, lot_id).json()
    early = _choose(api, wang, ticket["id"], "ship")
    assert early.status_code == 409 and early.json()["errors"][0]["rule"] == "opened"
    open_ticket(api, seller, lot_id, ticket["id"], pearl_count=4)

    chosen = _choose(api, wang, ticket["id"], "ship")
    assert chosen.status_code == 200, chosen.text
    order = chosen.json()["order"]
    assert (order["status"], order["total"]["amount_minor"]) == ("paid", 0)  # the ticket paid for it
    assert wallet_minor(api, wang) == 10_000 - 990
    mine = api.get("/api/v1/me/orders", headers=wang.headers).json()["items"]
    assert [(o["id"], o["buyer_id"], o["shipping"]["city"]) for o in mine] == [(order["id"], wang.id,
                                                                                 ADDRESS["city"])]
    again = _choose(api, wang, ticket["id"], "ship")
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "not_chosen"

    shipped = api.post(f"/api/v1/orders/{order['id']}/ship", headers=seller.headers,
                       json={"tracking_number": "SF1234567890"})
    assert shipped.status_code == 200, shipped.text
    seen = api.get("/api/v1/me/openings", headers=wang.headers).json()["items"][0]["order"]
    assert (seen["status"], seen["tracking_number"]) == ("shipped", "SF1234567890")
    # Contents are never for sale: the product behind the order is archived.
    shop_products = api.get(f"/api/v1/shops/{world['shop']['id']}/products").json()["items"]
    assert order["product_id"] not in [p["id"] for p in shop_products]
    assert ledger_check(api, app_server.database_url)["ok"]


def test_jewellery_setting_is_bought_on_top_through_the_ledger(api, app_server):
    world = _opened(api, app_server)
    wang, ticket, pendant = world["wang"], world["ticket"], world["pendant"]
    wrong = _choose(api, wang, ticket["id"], "jewellery", currency="USD")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["rule"] == "matches_price_currency"

    chosen = _choose(api, wang, ticket["id"], "jewellery", currency="CNY")
    assert chosen.status_code == 200, chosen.text
    order = chosen.json()["order"]
    assert (order["status"], order["total"]["amount_minor"], order["product_id"]) == ("paid", 25_000, pendant["id"])
    assert wallet_minor(api, wang) == 50_000 - 990 - 25_000
    assert api.get(f"/api/v1/products/{pendant['id']}").json()["stock"] == 4
    log = api.get(f"/api/v1/openings/{world['lot']['id']}/audit").json()["entries"]
    assert log[-1]["action"] == "fulfilment" and log[-1]["data"]["order_id"] == order["id"]
    assert ledger_check(api, app_server.database_url)["ok"]

    # Cancelled before shipping: the setting's money comes back, and the buyer may choose again.
    cancelled = api.post(f"/api/v1/orders/{order['id']}/cancel", headers=wang.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert wallet_minor(api, wang) == 50_000 - 990
    assert _choose(api, wang, ticket["id"], "ship").status_code == 200
    assert ledger_check(api, app_server.database_url)["ok"]


def test_a_buyer_who_cannot_pay_for_the_setting_changes_nothing(api, app_server):
    world = _opened(api, app_server, wallet=5_000)
    wang, ticket, pendant = world["wang"], world["ticket"], world["pendant"]
    refused = _choose(api, wang, ticket["id"], "jewellery")
    assert refused.status_code == 409 and refused.json()["errors"][0]["rule"] == "sufficient_funds"
    assert api.get("/api/v1/me/orders", headers=wang.headers).json()["items"] == []
    assert api.get("/api/v1/me/openings", headers=wang.headers).json()["items"][0]["fulfilment"] == "awaiting_choice"
    assert api.get(f"/api/v1/products/{pendant['id']}").json()["stock"] == 5
    assert wallet_minor(api, wang) == 5_000 - 990
    assert ledger_check(api, app_server.database_url)["ok"]


def test_a_double_click_on_the_setting_buys_it_once(api, app_server):
    world = _opened(api, app_server)
    wang, ticket = world["wang"], world["ticket"]
    with ThreadPoolExecutor(4) as pool, httpx.Client(base_url=app_server.url, timeout=30) as client:
        answers = list(pool.map(lambda _: _choose(client, wang, ticket["id"], "jewellery"), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert len(api.get("/api/v1/me/orders", headers=wang.headers).json()["items"]) == 1
    assert wallet_minor(api, wang) == 50_000 - 990 - 25_000
    assert ledger_check(api, app_server.database_url)["ok"]


def test_the_setting_must_be_an_active_product_of_the_shop(api, app_server):
    world = live_lot(api)
    seller, show_id = world["seller"], world["show"]["id"]
    other_owner = register(api, roles=["seller"])
    elsewhere = make_product(api, other_owner, make_shop(api, other_owner)["id"])
    body = {"kind": "oyster", "title": "x", "price_minor": 100, "quantity": 1, "addon_product_id": elsewhere["id"]}
    foreign = api.post(f"/api/v1/shows/{show_id}/openings", headers=seller.headers, json=body)
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["rule"] == "product_of_shop"
    draft = make_product(api, seller, world["shop"]["id"], status="draft")
    inactive = api.post(f"/api/v1/shows/{show_id}/openings", headers=seller.headers,
                        json={**body, "addon_product_id": draft["id"]})
    assert inactive.status_code == 422 and inactive.json()["errors"][0]["rule"] == "product_active"
    assert len(api.get(f"/api/v1/shows/{show_id}/openings").json()["items"]) == 1
