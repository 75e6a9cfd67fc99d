"""Combined shipping over HTTP: zone fees quoted and charged once per parcel, free over the threshold, countries
not shipped to, one packing list and one tracking number for a parcel, and cancelling out of a parcel."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import register
from tests.orders.support import ADDRESS, buy, ledger_check, live_shop, top_up

ZONES = [{"name": "China", "countries": ["CN", "HK"], "fee_minor": 1200},
         {"name": "Europe", "countries": ["ES", "FR", "DE"], "fee_minor": 4500}]
SPAIN = {"name": "Sofía García", "line1": "Calle Mayor 12", "city": "Madrid", "postal_code": "28013", "country": "ES"}
TEXAS = {"name": "Emily Brown", "line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"}


def shop_with_zones(api, *, products: int = 3, price_minor: int = 5000, **rules) -> dict:
    world = live_shop(api, products=products, price_minor=price_minor)
    body = {"zones": ZONES, "rest_of_world_fee_minor": None, **rules}
    saved = api.put(f"/api/v1/shops/{world['shop']['id']}/shipping", json=body, headers=world["seller"].headers)
    assert saved.status_code == 200, saved.text
    return world


def funded_buyer(api, database_url, address=ADDRESS, amount=100_000):
    buyer = register(api)
    top_up(api, database_url, buyer, amount)
    assert api.post("/api/v1/me/addresses", json=address, headers=buyer.headers).status_code == 201
    return buyer


def balance(api, buyer) -> int:
    wallets = api.get("/api/v1/me/wallet", headers=buyer.headers).json()["wallets"]
    return wallets[0]["balance"]["amount_minor"]


def quote(api, buyer, world, product, **params):
    return api.get(f"/api/v1/shows/{world['show']['id']}/shipping-quote", headers=buyer.headers,
                   params={"product_id": product["id"], **params})


def pay_now(api, buyer, world, product, address=ADDRESS):
    bought = buy(api, buyer, world["show"]["id"], product["id"], pay_with="wallet", shipping=address)
    assert bought.status_code == 201, bought.text
    return bought.json()


def parcels(api, world) -> list[dict]:
    listed = api.get(f"/api/v1/shops/{world['shop']['id']}/parcels", headers=world["seller"].headers)
    assert listed.status_code == 200, listed.text
    return listed.json()["items"]


def test_the_zone_fee_is_quoted_then_charged_once_for_three_orders_in_one_show(api, app_server):
    world = shop_with_zones(api)
    buyer = funded_buyer(api, app_server.database_url)
    first = quote(api, buyer, world, world["products"][0]).json()
    assert (first["fee"]["amount_minor"], first["zone"], first["fee_paid"]) == (1200, "China", False)
    assert quote(api, buyer, world, world["product"], country="ES").json()["fee"]["formatted"] == "CNY 45.00"

    orders = [pay_now(api, buyer, world, product) for product in world["products"]]
    assert [o["status"] for o in orders] == ["paid"] * 3
    assert balance(api, buyer) == 100_000 - 3 * 5000 - 1200  # the fee once, with the first order
    after = quote(api, buyer, world, world["product"]).json()
    assert (after["fee"]["amount_minor"], after["fee_paid"], after["in_parcel"]["amount_minor"]) == (0, True, 15000)

    [parcel] = [p for p in parcels(api, world) if p["buyer_id"] == buyer.id]
    assert sorted(o["id"] for o in parcel["orders"]) == sorted(o["id"] for o in orders)
    assert (parcel["fee"]["amount_minor"], parcel["fee_status"], parcel["country"]) == (1200, "charged", "CN")
    assert ledger_check(api, app_server.database_url)["ok"]


def test_a_parcel_over_the_threshold_ships_free_and_a_fee_paid_before_comes_back(api, app_server):
    world = shop_with_zones(api, free_over_minor=8000)
    buyer = funded_buyer(api, app_server.database_url)
    pay_now(api, buyer, world, world["products"][0])
    assert balance(api, buyer) == 100_000 - 5000 - 1200
    # The second item brings the parcel to 10,000 >= 8,000: the quote says free, and the fee paid comes back.
    assert quote(api, buyer, world, world["products"][1]).json()["fee"]["amount_minor"] == 0
    pay_now(api, buyer, world, world["products"][1])
    assert balance(api, buyer) == 100_000 - 2 * 5000
    [parcel] = [p for p in parcels(api, world) if p["buyer_id"] == buyer.id]
    assert parcel["fee_status"] == "refunded"

    big = shop_with_zones(api, products=1, price_minor=9000, free_over_minor=8000)
    rich = funded_buyer(api, app_server.database_url)
    assert quote(api, rich, big, big["product"]).json()["fee"]["amount_minor"] == 0
    pay_now(api, rich, big, big["product"])
    assert balance(api, rich) == 100_000 - 9000
    assert ledger_check(api, app_server.database_url)["ok"]


def test_a_country_without_a_zone_is_refused_by_field_and_rule_and_nothing_moves(api, app_server):
    world = shop_with_zones(api)
    buyer = funded_buyer(api, app_server.database_url, address=TEXAS)
    quoted = quote(api, buyer, world, world["product"])
    assert quoted.status_code == 422
    assert quoted.json()["errors"][0] == {**quoted.json()["errors"][0], "field": "country",
                                          "rule": "shipped_to_country"}
    bought = buy(api, buyer, world["show"]["id"], world["product"]["id"], pay_with="wallet", shipping=TEXAS)
    payment = bought.json()["payment"]
    assert payment["status"] == "failed", bought.text
    assert (payment["error"]["errors"][0]["field"], payment["error"]["errors"][0]["rule"]) == \
        ("shipping.country", "shipped_to_country")
    assert balance(api, buyer) == 100_000
    assert bought.json()["status"] == "reserved"


@pytest.mark.parametrize("zones, field, rule", [
    ([ZONES[0], {"name": "Asia", "countries": ["HK", "JP"], "fee_minor": 900}], "zones.1.countries",
     "one_zone_per_country"),
    ([ZONES[0], {**ZONES[1], "name": "china"}], "zones.1.name", "unique_zone_name"),
    ([{"name": "Moon", "countries": ["XX"], "fee_minor": 900}], "zones.0.countries.0", "iso_country"),
    ([{"name": "Europe", "countries": ["ES"], "fee_minor": -1}], "zones.0.fee_minor", "greater_than_equal"),
])
def test_bad_zones_are_refused_by_field_and_change_nothing(api, zones, field, rule):
    world = shop_with_zones(api, products=1)
    shop_id = world["shop"]["id"]
    refused = api.put(f"/api/v1/shops/{shop_id}/shipping", json={"zones": zones}, headers=world["seller"].headers)
    assert refused.status_code == 422, refused.text
    problem = refused.json()["errors"][0]
    assert (problem["field"], problem["rule"]) == (field, rule), problem
    assert [z["name"] for z in api.get(f"/api/v1/shops/{shop_id}/shipping").json()["zones"]] == ["China", "Europe"]
    stranger = register(api, roles=["seller"])
    assert api.put(f"/api/v1/shops/{shop_id}/shipping", json={"zones": []},
                   headers=stranger.headers).status_code == 403


def test_one_packing_list_and_one_tracking_number_ship_the_whole_parcel(api, app_server):
    world = shop_with_zones(api)
    buyer = funded_buyer(api, app_server.database_url)
    orders = [pay_now(api, buyer, world, product) for product in world["products"][:2]]
    [parcel] = [p for p in parcels(api, world) if p["buyer_id"] == buyer.id]
    slips = api.get(f"/manage/shops/{world['shop']['id']}/packing-slips", params={"parcel": parcel["id"]},
                    headers=world["seller"].headers)
    assert slips.status_code == 200
    assert slips.text.count('class="slip"') == 1 and slips.text.count("data-slip-item") == 2
    tracking = f"SF{uuid.uuid4().hex[:10].upper()}"
    shipped = api.post(f"/api/v1/shops/{world['shop']['id']}/parcels/{parcel['id']}/ship",
                       json={"tracking_number": tracking, "carrier": "SF Express"}, headers=world["seller"].headers)
    assert shipped.status_code == 200, shipped.text
    for order in orders:
        seen = api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()
        assert (seen["status"], seen["tracking_number"]) == ("shipped", tracking)
    again = api.post(f"/api/v1/shops/{world['shop']['id']}/parcels/{parcel['id']}/ship",
                     json={"tracking_number": "SF999"}, headers=world["seller"].headers)
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "open_parcel"
    # The box left: a later order is a new parcel, with its own fee.
    before = balance(api, buyer)
    pay_now(api, buyer, world, world["products"][2])
    assert balance(api, buyer) == before - 5000 - 1200
    assert ledger_check(api, app_server.database_url)["ok"]


def test_cancelling_refunds_the_item_and_the_fee_only_with_the_last_item(api, app_server):
    world = shop_with_zones(api)
    buyer = funded_buyer(api, app_server.database_url)
    first, second = (pay_now(api, buyer, world, product) for product in world["products"][:2])
    assert balance(api, buyer) == 100_000 - 10_000 - 1200
    assert api.post(f"/api/v1/orders/{first['id']}/cancel", headers=buyer.headers).status_code == 200
    assert balance(api, buyer) == 100_000 - 5000 - 1200  # the item back; the parcel still ships
    [parcel] = [p for p in parcels(api, world) if p["buyer_id"] == buyer.id]
    assert [o["id"] for o in parcel["orders"]] == [second["id"]] and parcel["fee_status"] == "charged"
    assert api.post(f"/api/v1/orders/{second['id']}/cancel", headers=world["seller"].headers).status_code == 200
    assert balance(api, buyer) == 100_000  # nothing left to ship: the fee comes back too
    assert not [p for p in parcels(api, world) if p["buyer_id"] == buyer.id]
    check = ledger_check(api, app_server.database_url)
    assert check["ok"], check["problems"]
