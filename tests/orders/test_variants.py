"""Buying variants: in a live show (HTTP and the merged writer), from the shop, and in a flash sale of one variant.
Each sale takes the variant's units and the product's total together; a gone variant is refused while another sells;
a rush on a 3-unit variant never oversells; cancelling puts the units back where they came from."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import register
from tests.orders.support import ADDRESS, buy, flash_sale, live_shop, top_up
from tests.orders.test_flash import rush

CARDIGAN = [({"Size": "M", "Colour": "Grey"}, 4, None), ({"Size": "L", "Colour": "Grey"}, 3, 15800),
            ({"Size": "L", "Colour": "Red"}, 0, None)]


def with_variants(api, seller, product_id: int, variants=CARDIGAN) -> dict[str, dict]:
    """Axes Size and Colour, and the variants: {label: variant}."""
    axes = api.put(f"/api/v1/products/{product_id}/option-axes", json={"axes": ["Size", "Colour"]},
                   headers=seller.headers)
    assert axes.status_code == 200, axes.text
    made = {}
    for options, stock, price in variants:
        response = api.post(f"/api/v1/products/{product_id}/variants", headers=seller.headers,
                            json={"options": options, "stock": stock, "price_minor": price})
        assert response.status_code == 201, response.text
        made[response.json()["label"]] = response.json()
    return made


def live_cardigan(api, variants=CARDIGAN) -> dict:
    world = live_shop(api, price_minor=12800, stock=0)
    world["variants"] = with_variants(api, world["seller"], world["product"]["id"], variants)
    return world


def stock(api, product_id: int) -> tuple[int, dict[str, int]]:
    """The product's total and each variant's stock, by label."""
    product = api.get(f"/api/v1/products/{product_id}").json()
    return product["stock"], {v["label"]: v["stock"] for v in product["variants"]}


def test_buying_a_variant_takes_its_units_and_the_product_total(api):
    world = live_cardigan(api)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    grey_m, grey_l = world["variants"]["M / Grey"], world["variants"]["L / Grey"]
    assert stock(api, product_id) == (7, {"M / Grey": 4, "L / Grey": 3, "L / Red": 0})
    buyer = register(api)
    order = buy(api, buyer, show_id, product_id, variant_id=grey_m["id"], quantity=2)
    assert order.status_code == 201, order.text
    order = order.json()
    assert (order["variant_id"], order["option"], order["unit_price"]["amount_minor"]) == (grey_m["id"], "M / Grey",
                                                                                             12800)
    # By its values (any case), at the variant's own price.
    by_values = buy(api, buyer, show_id, product_id, options={"size": "l", "Colour": "Grey"}).json()
    assert (by_values["variant_id"], by_values["unit_price"]["amount_minor"]) == (grey_l["id"], 15800)
    assert stock(api, product_id) == (4, {"M / Grey": 2, "L / Grey": 2, "L / Red": 0})
    # Cancelled: the units go back to the variant they came from.
    cancelled = api.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert stock(api, product_id) == (6, {"M / Grey": 4, "L / Grey": 2, "L / Red": 0})
    seen = api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()
    assert seen["variant_id"] == grey_m["id"] and seen["option"] == "M / Grey"


def test_a_gone_variant_is_refused_while_another_sells(api):
    world = live_cardigan(api)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    red_l, grey_m = world["variants"]["L / Red"], world["variants"]["M / Grey"]
    buyer = register(api)
    gone = buy(api, buyer, show_id, product_id, variant_id=red_l["id"])
    assert gone.status_code == 409 and gone.json()["errors"][0]["rule"] == "in_stock"
    assert gone.json()["errors"][0]["message"] == "sold out"
    assert buy(api, buyer, show_id, product_id, variant_id=grey_m["id"]).status_code == 201
    assert stock(api, product_id) == (6, {"M / Grey": 3, "L / Grey": 3, "L / Red": 0})


@pytest.fixture(scope="module")
def shared(app_server):
    import httpx
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        world = live_cardigan(client)
        world["buyer"] = register(client)
        return world


@pytest.mark.parametrize("body, field, rule", [
    ({}, "variant_id", "variant_required"),
    ({"variant_id": 999999}, "variant_id", "variant_of_product"),
    ({"options": {"Size": "XL", "Colour": "Grey"}}, "options", "existing_combination"),
    ({"options": {"Size": "M"}}, "options", "all_axes"),
    ({"options": {"Size": "M", "Colour": "Grey", "Fit": "Slim"}}, "options", "known_axis"),
])
def test_a_product_with_variants_needs_one(api, shared, body, field, rule):
    response = buy(api, shared["buyer"], shared["show"]["id"], shared["product"]["id"], **body)
    assert response.status_code == 422, response.text
    problem = response.json()["errors"][0]
    assert (problem["field"], problem["rule"]) == (field, rule), problem
    assert stock(api, shared["product"]["id"])[0] == 7


def test_a_product_without_variants_refuses_one(api):
    world = live_shop(api, stock=3)
    response = buy(api, register(api), world["show"]["id"], world["product"]["id"], variant_id=1)
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "no_variants"


def test_many_buyers_racing_for_a_3_unit_variant_never_oversell(api, app_server):
    world = live_cardigan(api)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    grey_l = world["variants"]["L / Grey"]
    buyers = [register(api) for _ in range(12)]
    requests = [({**b.headers, "Idempotency-Key": uuid.uuid4().hex},
                 {"product_id": product_id, "variant_id": grey_l["id"], "quantity": 1, "shipping": ADDRESS},
                 f"/api/v1/shows/{show_id}/buy") for b in buyers]
    answers = rush(app_server.url, requests)
    won = [a for a in answers if a.status_code == 201]
    assert len(won) == 3, [a.text for a in answers if a.status_code != 201][:3]
    assert all(a.status_code == 409 and a.json()["errors"][0]["rule"] == "in_stock" for a in answers
               if a.status_code != 201)
    assert {a.json()["variant_id"] for a in won} == {grey_l["id"]}
    assert stock(api, product_id) == (4, {"M / Grey": 4, "L / Grey": 0, "L / Red": 0})


def test_a_rush_across_every_variant_sells_each_exactly_out(api, app_server):
    # Taps for the three variants (one gone) arrive together and are settled in one writer's batches.
    world = live_cardigan(api)
    show_id, product_id, variants = world["show"]["id"], world["product"]["id"], world["variants"]
    buyers = [register(api) for _ in range(18)]
    labels = ["M / Grey", "L / Grey", "L / Red"]
    requests = [({**b.headers, "Idempotency-Key": uuid.uuid4().hex},
                 {"product_id": product_id, "variant_id": variants[labels[i % 3]]["id"], "quantity": 1,
                  "shipping": ADDRESS}, f"/api/v1/shows/{show_id}/buy") for i, b in enumerate(buyers)]
    answers = rush(app_server.url, requests)
    won = [a.json()["option"] for a in answers if a.status_code == 201]
    assert sorted(won) == ["L / Grey"] * 3 + ["M / Grey"] * 4, [a.text for a in answers][:3]
    assert all(a.json()["errors"][0]["rule"] == "in_stock" for a in answers if a.status_code != 201)
    assert stock(api, product_id) == (0, {"M / Grey": 0, "L / Grey": 0, "L / Red": 0})


def test_a_flash_sale_of_one_variant(api):
    world = live_cardigan(api)
    show_id, product_id, seller = world["show"]["id"], world["product"]["id"], world["seller"]
    grey_m, grey_l = world["variants"]["M / Grey"], world["variants"]["L / Grey"]
    whole = api.post(f"/api/v1/shows/{show_id}/flash-sales", headers=seller.headers,
                     json={"product_id": product_id, "duration_s": 300, "sale_price_minor": 9900, "units": 1})
    assert whole.status_code == 422 and whole.json()["errors"][0]["rule"] == "variant_required"
    short = api.post(f"/api/v1/shows/{show_id}/flash-sales", headers=seller.headers,
                     json={"product_id": product_id, "variant_id": grey_m["id"], "duration_s": 300,
                           "sale_price_minor": 9900, "units": 5})
    assert short.status_code == 409 and short.json()["errors"][0]["rule"] == "in_stock"
    sale = flash_sale(api, seller, show_id, product_id, variant_id=grey_m["id"], units=2, per_buyer_limit=1)
    assert sale["variant_id"] == grey_m["id"]
    assert stock(api, product_id) == (5, {"M / Grey": 2, "L / Grey": 3, "L / Red": 0})
    buyer = register(api)
    on_sale = buy(api, buyer, show_id, product_id, variant_id=grey_m["id"]).json()
    assert (on_sale["flash_sale_id"], on_sale["unit_price"]["amount_minor"]) == (sale["id"], 9900)
    limited = buy(api, buyer, show_id, product_id, variant_id=grey_m["id"])
    assert limited.status_code == 409 and limited.json()["errors"][0]["rule"] == "per_buyer_limit"
    # The other variant sells at its own price from its own stock meanwhile.
    other = buy(api, buyer, show_id, product_id, variant_id=grey_l["id"]).json()
    assert (other["flash_sale_id"], other["unit_price"]["amount_minor"]) == (None, 15800)
    ended = api.post(f"/api/v1/flash-sales/{sale['id']}/end", headers=seller.headers).json()
    assert ended["status"] == "ended"
    # The unsold flash unit is back on the grey M, and in the product's total.
    assert stock(api, product_id) == (5, {"M / Grey": 3, "L / Grey": 2, "L / Red": 0})


def test_the_shop_buy_takes_a_variant_too(api, app_server):
    world = live_cardigan(api)
    product_id, grey_l = world["product"]["id"], world["variants"]["L / Grey"]
    buyer = register(api)
    top_up(api, app_server.database_url, buyer, 100000)
    headers = {**buyer.headers, "Idempotency-Key": uuid.uuid4().hex}
    bare = api.post("/api/v1/orders", json={"product_id": product_id, "shipping": ADDRESS}, headers=headers)
    assert bare.status_code == 422 and bare.json()["errors"][0]["rule"] == "variant_required"
    headers = {**buyer.headers, "Idempotency-Key": uuid.uuid4().hex}
    order = api.post("/api/v1/orders", headers=headers, json={
        "product_id": product_id, "variant_id": grey_l["id"], "quantity": 3, "shipping": ADDRESS,
        "pay_with": "wallet"})
    assert order.status_code == 201, order.text
    assert (order.json()["status"], order.json()["total"]["amount_minor"]) == ("paid", 3 * 15800)
    assert stock(api, product_id) == (4, {"M / Grey": 4, "L / Grey": 0, "L / Red": 0})


def test_the_shelf_lists_each_variant_with_its_stock(api):
    world = live_cardigan(api)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    shelf = api.get(f"/api/v1/shows/{show_id}/pins").json()["items"]
    item = next(i for i in shelf if i["product_id"] == product_id)
    assert item["option_axes"] == ["Size", "Colour"] and item["stock"] == 7
    assert [(v["values"], v["stock"], v["price"]["amount_minor"]) for v in item["variants"]] == [
        (["M", "Grey"], 4, 12800), (["L", "Grey"], 3, 15800), (["L", "Red"], 0, 12800)]
