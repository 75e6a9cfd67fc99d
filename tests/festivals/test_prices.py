"""Festivals and festival prices: a price holds only inside its window, through real purchases; bad input."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest

from livestall.web.i18n import Localizer
from tests.festivals.support import at, festival_price, make_festival
from tests.helpers import make_product, make_shop, register, unique
from tests.helpers_db import make_operator
from tests.orders.support import buy, flash_sale, live_shop


@pytest.fixture(scope="module")
def operator(app_server):
    import httpx

    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        return make_operator(client, app_server.database_url)


def sleep_until(iso: str, extra: float = 0.15) -> None:
    time.sleep(max(0.0, (datetime.fromisoformat(iso) - datetime.now(datetime.fromisoformat(iso).tzinfo))
                   .total_seconds() + extra))


def test_a_festival_price_applies_only_inside_its_window(api, operator):
    world = live_shop(api, products=2, price_minor=12800, stock=20)
    scarf, cardigan = world["products"]
    festival = make_festival(api, operator, [world["shop"]["id"]])
    buyer = register(api)
    show_id = world["show"]["id"]

    def paid_for(product_id: int) -> tuple[int, int]:
        response = buy(api, buyer, show_id, product_id, quantity=2)
        assert response.status_code == 201, response.text
        order = response.json()
        return order["unit_price"]["amount_minor"], order["total"]["amount_minor"]

    def shelf_says(product_id: int) -> tuple[int, int]:
        item = next(i for i in api.get(f"/api/v1/shows/{show_id}/pins").json()["items"] if i["product_id"] == product_id)
        return item["price"]["amount_minor"], item["list_price"]["amount_minor"]

    opens, closes = at(4), at(8)
    fixed = festival_price(api, world["seller"], festival["id"], scarf["id"], price_minor=9900, starts_at=opens,
                           ends_at=closes)
    assert fixed.status_code == 201, fixed.text
    assert paid_for(scarf["id"]) == (12800, 25600)  # before the window: the list price
    assert shelf_says(scarf["id"]) == (12800, 12800)
    discount = festival_price(api, operator, festival["id"], cardigan["id"], discount_pct=25)
    assert discount.status_code == 201, discount.text
    assert (discount.json()["starts_at"], discount.json()["ends_at"]) == (festival["starts_at"], festival["ends_at"])
    assert paid_for(cardigan["id"]) == (9600, 19200)  # 25% off for the whole festival
    assert shelf_says(cardigan["id"]) == (9600, 12800)  # the viewer sees what they will pay, and the list price
    sleep_until(opens)
    assert paid_for(scarf["id"]) == (9900, 19800)  # inside the window
    assert shelf_says(scarf["id"]) == (9900, 12800)
    sleep_until(closes)
    assert paid_for(scarf["id"]) == (12800, 25600)  # after it, the list price again
    assert shelf_says(scarf["id"]) == (12800, 12800)
    listed = api.get(f"/api/v1/festivals/{festival['id']}/prices").json()
    assert {p["product_id"] for p in listed} == {scarf["id"], cardigan["id"]}


def test_a_festival_price_is_only_for_the_shops_taking_part(api, operator):
    inside = live_shop(api, price_minor=5000)
    outside = live_shop(api, price_minor=5000)
    festival = make_festival(api, operator, [inside["shop"]["id"]])
    assert festival_price(api, operator, festival["id"], inside["product"]["id"], price_minor=3000).status_code == 201
    refused = festival_price(api, operator, festival["id"], outside["product"]["id"], price_minor=3000)
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "participating_shop"
    buyer = register(api)
    assert buy(api, buyer, inside["show"]["id"], inside["product"]["id"]).json()["unit_price"]["amount_minor"] == 3000
    assert buy(api, buyer, outside["show"]["id"], outside["product"]["id"]).json()["unit_price"]["amount_minor"] == 5000
    # a flash sale in the show sells at its own price while it runs
    flash_sale(api, inside["seller"], inside["show"]["id"], inside["product"]["id"], sale_price_minor=2500, units=2)
    assert buy(api, buyer, inside["show"]["id"], inside["product"]["id"]).json()["unit_price"]["amount_minor"] == 2500


def test_a_festival_whose_window_ends_before_it_starts_is_refused(api, operator):
    name = unique("Backwards")
    starts = at(3600)
    for ends in (at(60), starts):  # before the start, and at the very start
        response = api.post("/api/v1/festivals", headers=operator.headers,
                            json={"name": name, "starts_at": starts, "ends_at": ends})
        assert response.status_code == 422, response.text
        error = response.json()["errors"][0]
        assert (error["field"], error["rule"]) == ("ends_at", "after_starts_at")
    festival = make_festival(api, operator, [])
    moved = api.patch(f"/api/v1/festivals/{festival['id']}", headers=operator.headers,
                      json={"ends_at": at(-7200)})
    assert moved.status_code == 422 and moved.json()["errors"][0]["rule"] == "after_starts_at"
    everything = api.get("/api/v1/festivals", params={"include_ended": True}).json()["items"]
    assert name not in {f["name"] for f in everything}
    assert api.get(f"/api/v1/festivals/{festival['id']}").json()["ends_at"] == festival["ends_at"]


def test_overlapping_festival_prices_are_refused_and_nothing_is_written(api, operator):
    seller = register(api, roles=["seller"])
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], price_minor=20000)
    first = make_festival(api, operator, [shop["id"]], starts_in=-60, lasts=7200)
    second = make_festival(api, operator, [shop["id"]], starts_in=1800, lasts=7200, name="618")
    made = festival_price(api, seller, first["id"], product["id"], price_minor=15000)
    assert made.status_code == 201, made.text
    # the same festival again, and another festival whose window overlaps the first price's
    for festival_id, fields in ((first["id"], {"discount_pct": 10, "starts_at": at(600), "ends_at": at(1200)}),
                                (second["id"], {"price_minor": 12000})):
        clash = festival_price(api, seller, festival_id, product["id"], **fields)
        assert clash.status_code == 409, clash.text
        error = clash.json()["errors"][0]
        assert (error["field"], error["rule"]) == ("starts_at", "no_overlap")
        assert str(made.json()["id"]) in error["message"]
    assert [p["id"] for p in api.get(f"/api/v1/festivals/{first['id']}/prices").json()] == [made.json()["id"]]
    assert api.get(f"/api/v1/festivals/{second['id']}/prices").json() == []
    # after the first price's window, the second festival may price the product
    later = festival_price(api, seller, second["id"], product["id"], price_minor=12000, starts_at=first["ends_at"])
    assert later.status_code == 201, later.text


@pytest.mark.parametrize("fields, status, field, rule", [
    ({"price_minor": 100, "discount_pct": 10}, 422, "body", "price_or_discount"),
    ({}, 422, "body", "price_or_discount"),
    ({"discount_pct": 100}, 422, "discount_pct", "less_than_equal"),
    ({"price_minor": 999999}, 422, "price_minor", "not_above_list_price"),
    ({"price_minor": 100, "starts_at": "yesterday"}, 422, "starts_at", "datetime_from_date_parsing"),
    ({"price_minor": 100, "ends_at": at(10 * 86400)}, 422, "ends_at", "within_festival"),
    ({"price_minor": 100, "starts_at": at(-86400)}, 422, "starts_at", "within_festival"),
    ({"price_minor": 100, "starts_at": at(600), "ends_at": at(300)}, 422, "ends_at", "after_starts_at"),
])
def test_bad_festival_prices_name_the_field_and_rule(api, operator, fields, status, field, rule):
    seller = register(api, roles=["seller"])
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], price_minor=20000)
    festival = make_festival(api, operator, [shop["id"]])
    response = festival_price(api, seller, festival["id"], product["id"], **fields)
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert (error["field"], error["rule"]) == (field, rule), error
    assert api.get(f"/api/v1/festivals/{festival['id']}/prices").json() == []


def test_only_operators_run_festivals_and_only_the_shop_prices_its_products(api, operator):
    seller = register(api, roles=["seller"])
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"])
    body = {"name": "Mine", "starts_at": at(60), "ends_at": at(120)}
    assert api.post("/api/v1/festivals", headers=seller.headers, json=body).status_code == 403
    festival = make_festival(api, operator, [shop["id"]])
    stranger = register(api, roles=["seller"])
    assert festival_price(api, stranger, festival["id"], product["id"], price_minor=1).status_code == 403
    made = festival_price(api, seller, festival["id"], product["id"], price_minor=1)
    assert api.delete(f"/api/v1/festival-prices/{made.json()['id']}", headers=stranger.headers).status_code == 403
    assert api.delete(f"/api/v1/festival-prices/{made.json()['id']}", headers=seller.headers).status_code == 204
    assert festival_price(api, seller, festival["id"], product["id"], price_minor=2).status_code == 201
    listed = api.get(f"/api/v1/festivals/{festival['id']}/shops").json()
    assert (listed["total"], listed["items"]) == (1, [{"shop_id": shop["id"], "name": shop["name"]}])
    left = api.delete(f"/api/v1/festivals/{festival['id']}/shops/{shop['id']}", headers=operator.headers)
    assert left.status_code == 200 and left.json()["shop_count"] == 0
    assert api.get(f"/api/v1/festivals/{festival['id']}/prices").json() == []  # its prices left with it
    again = api.post(f"/api/v1/festivals/{festival['id']}/shops", headers=operator.headers,
                     json={"shop_ids": [shop["id"], shop["id"], 10**9]})
    assert again.status_code == 422 and again.json()["errors"][0]["rule"] == "existing_shop"
    assert api.get(f"/api/v1/festivals/{festival['id']}").json()["shop_count"] == 0


def test_the_festival_page_offers_active_products_at_their_festival_price(api, operator):
    world = live_shop(api, products=3, price_minor=12800)
    scarf, cardigan, retired = world["products"]
    festival = make_festival(api, operator, [world["shop"]["id"]])
    for product, fields in ((scarf, {"discount_pct": 25}), (cardigan, {"price_minor": 9900}),
                            (retired, {"price_minor": 5000})):
        assert festival_price(api, world["seller"], festival["id"], product["id"], **fields).status_code == 201
    archived = api.patch(f"/api/v1/products/{retired['id']}", headers=world["seller"].headers,
                         json={"status": "archived"})
    assert archived.status_code == 200, archived.text
    html = api.get(f"/festivals/{festival['id']}", headers={"Accept-Language": "en"}).text
    en = Localizer("en")

    def card(product_id: int) -> str:
        found = re.search(rf'<article class="card product" id="product-{product_id}">.*?</article>', html, re.S)
        return found.group(0) if found else ""

    assert en.money({"amount_minor": 9600, "currency": "CNY"}) in card(scarf["id"]) and "−25%" in card(scarf["id"])
    assert en.money({"amount_minor": 9900, "currency": "CNY"}) in card(cardigan["id"])
    assert en.money({"amount_minor": 12800, "currency": "CNY"}) in card(cardigan["id"])  # the list price, struck
    assert card(retired["id"]) == ""  # no longer sold: not offered
