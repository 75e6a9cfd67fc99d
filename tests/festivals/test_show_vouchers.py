"""A voucher before paying (its quote, or the rule it breaks) and the voucher a host pins in a live show."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.festivals.support import fund, make_festival, wallet_balance
from tests.helpers import register
from tests.helpers_db import make_operator, run_sql
from tests.festivals.test_vouchers import pay, reserve, voucher
from tests.orders.support import live_shop


@pytest.fixture(scope="module")
def operator(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        return make_operator(client, app_server.database_url)


def quote(api, buyer, shop_id: int, code: str, amount_minor: int, currency: str = "CNY") -> httpx.Response:
    return api.post("/api/v1/vouchers/quote", headers=buyer.headers,
                    json={"code": code, "shop_id": shop_id, "amount_minor": amount_minor, "currency": currency})


def rule_of(response: httpx.Response) -> tuple[int, str, str]:
    error = response.json()["errors"][0]
    return response.status_code, error["field"], error["rule"]


def test_a_quote_shows_the_discount_before_paying_and_each_refusal_names_its_rule(api, app_server, operator):
    world = live_shop(api, price_minor=12800, stock=20)
    shop_id = world["shop"]["id"]
    other = live_shop(api)
    festival = make_festival(api, operator, [shop_id, other["shop"]["id"]])
    code = voucher(api, operator, festival["id"], amount_off_minor=3000, min_spend_minor=10000)["code"]
    percent = voucher(api, world["seller"], festival["id"], shop_id=shop_id, percent_off=15)["code"]
    buyer = register(api)
    fund(api, operator, buyer, 50000)

    quoted = quote(api, buyer, shop_id, code.lower(), 12800)
    assert quoted.status_code == 200, quoted.text
    body = quoted.json()
    assert (body["code"], body["discount"]["amount_minor"], body["to_pay"]["amount_minor"], body["funded_by"]) == (
        code, 3000, 9800, "platform")
    assert quote(api, buyer, shop_id, percent, 12800).json()["discount"]["amount_minor"] == 1920  # 15%, rounded down
    assert wallet_balance(api, buyer) == 50000  # a quote moves nothing

    assert rule_of(quote(api, buyer, shop_id, "NOSUCHCODE", 12800)) == (422, "code", "known_voucher")
    assert rule_of(quote(api, buyer, other["shop"]["id"], percent, 12800)) == (422, "code", "voucher_shop")
    assert rule_of(quote(api, buyer, shop_id, code, 9999)) == (422, "code", "min_spend")
    assert rule_of(quote(api, buyer, shop_id, code, 12800, "EUR")) == (422, "code", "voucher_currency")
    bad = api.post("/api/v1/vouchers/quote", headers=buyer.headers,
                   json={"code": code, "shop_id": shop_id, "amount_minor": 0, "currency": "CNY"})
    assert rule_of(bad) == (422, "amount_minor", "greater_than_equal")
    assert api.post("/api/v1/vouchers/quote", json={"code": code, "shop_id": shop_id, "amount_minor": 1,
                                                    "currency": "CNY"}).status_code == 401

    order = reserve(api, buyer, world)
    assert pay(api, buyer, order["id"], code).status_code == 200
    assert rule_of(quote(api, buyer, shop_id, code, 12800)) == (409, "code", "per_user_limit")

    run_sql(app_server.database_url, "UPDATE festivals SET starts_at = :s, ends_at = :e WHERE id = :id",
            s=datetime.now(timezone.utc) - timedelta(days=2), e=datetime.now(timezone.utc) - timedelta(days=1),
            id=festival["id"])
    assert rule_of(quote(api, register(api), shop_id, code, 12800)) == (409, "code", "voucher_expired")
    late = reserve(api, buyer, world)
    assert rule_of(pay(api, buyer, late["id"], percent)) == (409, "code", "voucher_expired")


def test_the_host_pins_a_voucher_of_the_shop_and_takes_it_down(api, operator):
    world = live_shop(api)
    seller, show_id, shop_id = world["seller"], world["show"]["id"], world["shop"]["id"]
    other = live_shop(api)
    festival = make_festival(api, operator, [shop_id, other["shop"]["id"]], name="618")
    platform = voucher(api, operator, festival["id"], amount_off_minor=500, min_spend_minor=5000)["code"]
    own = voucher(api, seller, festival["id"], shop_id=shop_id, percent_off=10)["code"]
    foreign = voucher(api, other["seller"], festival["id"], shop_id=other["shop"]["id"], percent_off=10)["code"]
    url = f"/api/v1/shows/{show_id}/voucher"
    assert api.get(url).json() == {"show_id": show_id, "voucher": None}

    pinnable = api.get(f"/api/v1/shows/{show_id}/vouchers", headers=seller.headers)
    assert pinnable.status_code == 200, pinnable.text
    offered = {v["code"] for v in pinnable.json()}
    assert offered >= {platform, own} and foreign not in offered

    viewer = register(api)
    assert api.put(url, headers=viewer.headers, json={"code": platform}).status_code == 403
    assert api.get(f"/api/v1/shows/{show_id}/vouchers", headers=viewer.headers).status_code == 403
    assert rule_of(api.put(url, headers=seller.headers, json={"code": foreign})) == (422, "code", "voucher_shop")
    assert rule_of(api.put(url, headers=seller.headers, json={"code": "NOSUCH1"})) == (422, "code", "known_voucher")
    assert api.get(url).json()["voucher"] is None  # refusals change nothing

    pinned = api.put(url, headers=seller.headers, json={"code": platform.lower()})
    assert pinned.status_code == 200, pinned.text
    shown = api.get(url).json()["voucher"]
    assert (shown["code"], shown["festival"], shown["amount_off"]["amount_minor"], shown["min_spend"]["amount_minor"],
            shown["shop_id"]) == (platform, "618", 500, 5000, None)
    replaced = api.put(url, headers=seller.headers, json={"code": own}).json()["voucher"]
    assert (replaced["code"], replaced["percent_off"], replaced["amount_off"]) == (own, 10, None)
    assert api.get(url).json()["voucher"]["code"] == own  # one voucher per show: the newest

    assert api.delete(url, headers=viewer.headers).status_code == 403
    assert api.delete(url, headers=seller.headers).status_code == 204
    assert api.get(url).json()["voucher"] is None
    assert api.delete(url, headers=seller.headers).status_code == 204  # nothing pinned: nothing to do

    assert api.post(f"/api/v1/shows/{show_id}/end", headers=seller.headers).status_code == 200
    assert rule_of(api.put(url, headers=seller.headers, json={"code": own})) == (409, "status", "show_live")
