"""Vouchers: paid through the ledger (the seller is paid in full, the issuer funds the discount), the
minimum spend, the per-buyer limit, the total cap, another shop's voucher, and a cancelled order."""

from __future__ import annotations


import pytest

from tests.festivals.support import account_balance, fund, make_festival, wallet_balance
from tests.helpers import register, unique
from tests.helpers_db import make_operator
from tests.orders.support import buy, live_shop


@pytest.fixture(scope="module")
def operator(app_server):
    import httpx

    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        return make_operator(client, app_server.database_url)


def voucher(api, actor, festival_id: int, **fields) -> dict:
    body = {"code": unique("V").replace("-", ""), **fields}
    response = api.post(f"/api/v1/festivals/{festival_id}/vouchers", headers=actor.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def reserve(api, buyer, world, quantity: int = 1) -> dict:
    response = buy(api, buyer, world["show"]["id"], world["product"]["id"], quantity=quantity)
    assert response.status_code == 201, response.text
    return response.json()


def pay(api, buyer, order_id: int, code: str):
    return api.post(f"/api/v1/orders/{order_id}/pay-with-voucher", headers=buyer.headers, json={"code": code})


def test_a_platform_voucher_is_funded_by_the_platform_and_the_seller_is_paid_in_full(api, app_server, operator):
    db = app_server.database_url
    world = live_shop(api, price_minor=12800, stock=20)
    shop_key = f"shop:{world['shop']['id']}"
    festival = make_festival(api, operator, [world["shop"]["id"]])
    code = voucher(api, operator, festival["id"], amount_off_minor=3000, min_spend_minor=20000, per_user_limit=1,
                   max_uses=2)["code"]
    subsidy_before = account_balance(db, "festival_subsidy", "platform")
    buyer = register(api)
    fund(api, operator, buyer, 50000)

    small = reserve(api, buyer, world)  # 128.00 is under the minimum spend of 200.00
    refused = pay(api, buyer, small["id"], code)
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "min_spend"
    assert wallet_balance(api, buyer) == 50000

    order = reserve(api, buyer, world, quantity=2)
    paid = pay(api, buyer, order["id"], code.lower())  # codes are not case-sensitive
    assert paid.status_code == 200, paid.text
    receipt = paid.json()
    assert (receipt["order_status"], receipt["total"]["amount_minor"], receipt["discount"]["amount_minor"],
            receipt["paid"]["amount_minor"], receipt["funded_by"]) == ("paid", 25600, 3000, 22600, "platform")
    assert wallet_balance(api, buyer) == 50000 - 22600
    assert account_balance(db, "shop_revenue", shop_key) == 25600 - 25600 * 500 // 10_000  # in full, less commission
    assert account_balance(db, "festival_subsidy", "platform") == subsidy_before - 3000
    assert api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()["status"] == "paid"

    again = pay(api, buyer, reserve(api, buyer, world, quantity=2)["id"], code)  # one use per buyer
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "per_user_limit"
    other = register(api)
    fund(api, operator, other, 50000)
    assert pay(api, other, reserve(api, other, world, quantity=2)["id"], code).status_code == 200
    third = register(api)
    fund(api, operator, third, 50000)
    capped = pay(api, third, reserve(api, third, world, quantity=2)["id"], code)  # the total cap of 2 is reached
    assert capped.status_code == 409 and capped.json()["errors"][0]["rule"] == "total_cap"
    assert wallet_balance(api, third) == 50000
    unknown = pay(api, third, reserve(api, third, world, quantity=2)["id"], "NO-SUCH-CODE")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["rule"] == "known_voucher"
    assert api.get("/api/v1/ledger/check", headers=operator.headers).json()["ok"]


def test_a_shop_voucher_is_funded_by_the_shop_and_only_for_its_orders(api, app_server, operator):
    db = app_server.database_url
    mine, theirs = live_shop(api, price_minor=10000), live_shop(api, price_minor=10000)
    festival = make_festival(api, operator, [mine["shop"]["id"], theirs["shop"]["id"]])
    shop_code = voucher(api, mine["seller"], festival["id"], shop_id=mine["shop"]["id"], percent_off=15)["code"]
    denied = api.post(f"/api/v1/festivals/{festival['id']}/vouchers", headers=theirs["seller"].headers,
                      json={"code": unique("V"), "shop_id": mine["shop"]["id"], "percent_off": 50})
    assert denied.status_code == 403
    buyer = register(api)
    fund(api, operator, buyer, 30000)
    wrong_shop = pay(api, buyer, reserve(api, buyer, theirs)["id"], shop_code)
    assert wrong_shop.status_code == 422 and wrong_shop.json()["errors"][0]["rule"] == "voucher_shop"
    paid = pay(api, buyer, reserve(api, buyer, mine)["id"], shop_code)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["discount"]["amount_minor"], paid.json()["funded_by"]) == (1500, f"shop:{mine['shop']['id']}")
    # the shop gets the order's total less the commission, and pays the discount itself
    assert account_balance(db, "shop_revenue", f"shop:{mine['shop']['id']}") == 10000 - 500 - 1500
    assert wallet_balance(api, buyer) == 30000 - 8500


def test_a_cancelled_voucher_order_gives_back_the_money_and_the_use(api, app_server, operator):
    db = app_server.database_url
    world = live_shop(api, price_minor=10000)
    shop_key = f"shop:{world['shop']['id']}"
    festival = make_festival(api, operator, [world["shop"]["id"]])
    made = voucher(api, operator, festival["id"], amount_off_minor=2500, max_uses=1)
    subsidy_before = account_balance(db, "festival_subsidy", "platform")
    buyer = register(api)
    fund(api, operator, buyer, 10000)
    order = reserve(api, buyer, world)
    assert pay(api, buyer, order["id"], made["code"]).status_code == 200
    assert wallet_balance(api, buyer) == 2500  # paid 75.00, the platform funded 25.00
    cancelled = api.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert wallet_balance(api, buyer) == 10000  # at once: what the buyer paid, not the order's total
    assert account_balance(db, "festival_subsidy", "platform") == subsidy_before  # the discount went back
    assert account_balance(db, "shop_revenue", shop_key) == 0
    listed = api.get(f"/api/v1/festivals/{festival['id']}/vouchers", headers=operator.headers).json()
    assert [v["uses"] for v in listed if v["code"] == made["code"]] == [0]
    again = reserve(api, buyer, world)  # the use is free again
    assert pay(api, buyer, again["id"], made["code"]).status_code == 200
    assert api.get("/api/v1/ledger/check", headers=operator.headers).json()["ok"]


def test_bad_vouchers_are_refused_and_nothing_is_written(api, operator):
    world = live_shop(api)
    festival = make_festival(api, operator, [world["shop"]["id"]])
    upcoming = make_festival(api, operator, [world["shop"]["id"]], starts_in=3600)
    code = voucher(api, operator, festival["id"], amount_off_minor=100)["code"]
    url = f"/api/v1/festivals/{festival['id']}/vouchers"
    for body, status, field, rule in [
        ({"code": code, "amount_off_minor": 100}, 409, "code", "unique"),
        ({"code": "x", "amount_off_minor": 100}, 422, "code", "string_pattern_mismatch"),
        ({"code": unique("V"), "amount_off_minor": 100, "percent_off": 5}, 422, "body", "amount_or_percent"),
        ({"code": unique("V"), "percent_off": 95}, 422, "percent_off", "less_than_equal"),
        ({"code": unique("V"), "amount_off_minor": 100, "per_user_limit": 0}, 422, "per_user_limit",
         "greater_than_equal"),
    ]:
        response = api.post(url, headers=operator.headers, json=body)
        assert response.status_code == status, response.text
        assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["rule"]) == (field, rule)
    assert [v["code"] for v in api.get(url, headers=operator.headers).json()] == [code]
    early = voucher(api, operator, upcoming["id"], amount_off_minor=100)["code"]
    buyer = register(api)
    order = reserve(api, buyer, world)
    not_yet = pay(api, buyer, order["id"], early)
    assert not_yet.status_code == 409 and not_yet.json()["errors"][0]["rule"] == "festival_running"
    stranger = register(api)
    assert pay(api, stranger, order["id"], code).status_code == 403
    assert api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()["status"] == "reserved"
