"""Who may run festivals, price products for them, issue vouchers and pay with one."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.access import LOGGED_IN, AreaRules, Rule
from tests.helpers import make_product, unique

OPERATOR = ("operator",)
SHOP_OR_OPERATOR = ("owner", "staff", "operator")


def _at(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()


def _local(seconds: float) -> str:
    """A datetime-local value `seconds` from now (UTC)."""
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M")


def _festival_body(w) -> dict:
    return {"name": unique("Festival"), "starts_at": _at(-60), "ends_at": _at(3600), "shop_ids": [w["shop"]["id"]]}


def _festival(w) -> int:
    """A running festival that the world's shop takes part in."""
    response = w["api"].post("/api/v1/festivals", headers=w["operator"].headers, json=_festival_body(w))
    return response.json()["id"]


def _product(w) -> int:
    return make_product(w["api"], w["owner"], w["shop"]["id"])["id"]


def _price(w) -> int:
    body = {"product_id": _product(w), "discount_pct": 10}
    return w["api"].post(f"/api/v1/festivals/{_festival(w)}/prices", headers=w["owner"].headers,
                         json=body).json()["id"]


def _voucher_code(w) -> dict:
    """A platform voucher of a running festival of the world's shop, for the viewer's order."""
    code = unique("V").replace("-", "")
    w["api"].post(f"/api/v1/festivals/{_festival(w)}/vouchers", headers=w["operator"].headers,
                  json={"code": code, "amount_off_minor": 100})
    return {"code": code}


def _fund_viewer(w, _path: str) -> None:
    w["api"].post(f"/api/v1/users/{w['viewer'].id}/wallet/topups", headers=w["operator"].headers,
                  json={"amount_minor": 12800, "currency": "CNY"})


def _start_show(w, path: str) -> None:
    show_id = re.search(r"/shows/(\d+)", path).group(1)
    w["api"].post(f"/api/v1/shows/{show_id}/start", headers=w["owner"].headers)


def _quote_body(w) -> dict:
    return {**_voucher_code(w), "shop_id": w["shop"]["id"], "amount_minor": 12800, "currency": "CNY"}


AREA = AreaRules(
    rules={
        ("POST", "/api/v1/festivals"): Rule(OPERATOR, body=_festival_body),
        ("PATCH", "/api/v1/festivals/{festival_id}"): Rule(OPERATOR, body=lambda w: {"name": "Renamed"}),
        ("POST", "/api/v1/festivals/{festival_id}/shops"): Rule(OPERATOR, body=lambda w: {
            "shop_ids": [w["shop"]["id"]]}),
        ("DELETE", "/api/v1/festivals/{festival_id}/shops/{shop_id}"): Rule(OPERATOR),
        ("POST", "/api/v1/festivals/{festival_id}/prices"): Rule(SHOP_OR_OPERATOR, body=lambda w: {
            "product_id": _product(w), "price_minor": 100}),
        ("DELETE", "/api/v1/festival-prices/{festival_price_id}"): Rule(SHOP_OR_OPERATOR),
        ("POST", "/api/v1/festivals/{festival_id}/vouchers"): Rule(("owner", "staff"), body=lambda w: {
            "code": unique("V").replace("-", ""), "shop_id": w["shop"]["id"], "percent_off": 10}),
        ("POST", "/api/v1/orders/{order_id}/pay-with-voucher"): Rule(("viewer",), prepare=_fund_viewer,
                                                                      body=_voucher_code),
        ("POST", "/api/v1/vouchers/quote"): Rule(LOGGED_IN, body=_quote_body),
        ("PUT", "/api/v1/shows/{show_id}/voucher"): Rule(("owner", "staff"), prepare=_start_show, body=_voucher_code),
        ("DELETE", "/api/v1/shows/{show_id}/voucher"): Rule(("owner", "staff"), prepare=_start_show),
        # the operator's setup pages (times as a datetime-local field sends them, read as UTC here)
        ("POST", "/festivals/new"): Rule(OPERATOR, body=lambda w: {
            "name": unique("Festival"), "starts_at": _local(-60), "ends_at": _local(3600),
            "shops": str(w["shop"]["id"])}),
        ("POST", "/festivals/{festival_id}/edit"): Rule(OPERATOR, body=lambda w: {
            "name": "Renamed", "starts_at": _local(-120), "ends_at": _local(7200)}),
        ("POST", "/festivals/{festival_id}/shops"): Rule(OPERATOR, body=lambda w: {"shops": str(w["shop"]["id"])}),
        ("POST", "/festivals/{festival_id}/shops/{shop_id}/remove"): Rule(OPERATOR),
        ("POST", "/festivals/{festival_id}/prices"): Rule(OPERATOR, body=lambda w: {
            "product_id": str(_product(w)), "discount_pct": "10"}),
        ("POST", "/festival-prices/{festival_price_id}/delete"): Rule(OPERATOR),
        ("POST", "/festivals/{festival_id}/vouchers"): Rule(OPERATOR, body=lambda w: {
            "code": unique("V").replace("-", ""), "percent_off": "10"}),
    },
    params={"festival_id": _festival, "festival_price_id": _price},
)
