"""Who may buy, pin, run flash sales and move orders along."""

from __future__ import annotations

import re
import uuid

from tests.access import LOGGED_IN, AreaRules, Rule
from tests.helpers import make_product, make_show
from tests.orders.support import ADDRESS

RUNNERS = ("owner", "staff")
BUYER_OR_SHOP = ("viewer", "owner", "staff")


def _start(w, path: str) -> None:
    show_id = re.search(r"/shows/(\d+)", path).group(1)
    w["api"].post(f"/api/v1/shows/{show_id}/start", headers=w["owner"].headers)


def _product(w) -> int:
    return make_product(w["api"], w["owner"], w["shop"]["id"], stock=10)["id"]


def _start_and_pin(w, path: str) -> None:
    _start(w, path)
    show_id = re.search(r"/shows/(\d+)", path).group(1)
    w["pinned"] = _product(w)
    w["api"].put(f"/api/v1/shows/{show_id}/pins", headers=w["owner"].headers, json={"product_ids": [w["pinned"]]})


def _flash_sale(w) -> int:
    show_id = w["fresh"]("show_id")
    body = {"product_id": _product(w), "duration_s": 300, "sale_price_minor": 100, "units": 2}
    return w["api"].post(f"/api/v1/shows/{show_id}/flash-sales", headers=w["owner"].headers, json=body).json()["id"]


def _order(w) -> int:
    """A reserved order of the world's viewer, in a live show of the world's shop."""
    api, owner = w["api"], w["owner"]
    show = make_show(api, owner, w["shop"]["id"])
    api.post(f"/api/v1/shows/{show['id']}/start", headers=owner.headers)
    product_id = _product(w)
    api.put(f"/api/v1/shows/{show['id']}/pins", headers=owner.headers, json={"product_ids": [product_id]})
    headers = {**w["viewer"].headers, "Idempotency-Key": uuid.uuid4().hex}
    response = api.post(f"/api/v1/shows/{show['id']}/buy", headers=headers,
                        json={"product_id": product_id, "quantity": 1, "shipping": ADDRESS})
    return response.json()["id"]


def _fund_viewer(w, _path: str = "") -> None:
    w["api"].post(f"/api/v1/users/{w['viewer'].id}/wallet/topups", headers=w["operator"].headers,
                  json={"amount_minor": 12800, "currency": "CNY"})


def _paid(w, path: str) -> None:
    _fund_viewer(w)
    order_id = re.search(r"/orders/(\d+)", path).group(1)
    w["api"].post(f"/api/v1/orders/{order_id}/pay", headers=w["viewer"].headers, json={"provider": "wallet"})


def _shipped(w, path: str) -> None:
    _paid(w, path)
    order_id = re.search(r"/orders/(\d+)", path).group(1)
    w["api"].post(f"/api/v1/orders/{order_id}/ship", headers=w["owner"].headers, json={"tracking_number": "SF123"})


AREA = AreaRules(
    rules={
        ("POST", "/api/v1/shows/{show_id}/buy"): Rule(
            LOGGED_IN, prepare=_start_and_pin, body=lambda w: {"product_id": w["pinned"], "shipping": ADDRESS},
            headers=lambda w: {"Idempotency-Key": uuid.uuid4().hex}),
        ("PUT", "/api/v1/shows/{show_id}/pins"): Rule(RUNNERS, prepare=_start,
                                                       body=lambda w: {"product_ids": [_product(w)]}),
        ("POST", "/api/v1/shows/{show_id}/pins"): Rule(RUNNERS, prepare=_start,
                                                        body=lambda w: {"product_id": _product(w)}),
        ("DELETE", "/api/v1/shows/{show_id}/pins/{product_id}"): Rule(RUNNERS, prepare=_start),
        ("POST", "/api/v1/shows/{show_id}/flash-sales"): Rule(RUNNERS, body=lambda w: {
            "product_id": _product(w), "duration_s": 120, "sale_price_minor": 100, "units": 1}),
        ("POST", "/api/v1/flash-sales/{flash_sale_id}/end"): Rule(RUNNERS),
        ("POST", "/api/v1/orders/{order_id}/pay"): Rule(("viewer",), prepare=_fund_viewer,
                                                          body=lambda w: {"provider": "wallet"}),
        ("POST", "/api/v1/orders/{order_id}/cancel"): Rule(BUYER_OR_SHOP),
        ("POST", "/api/v1/orders/{order_id}/ship"): Rule(RUNNERS, prepare=_paid,
                                                           body=lambda w: {"tracking_number": "SF1234"}),
        ("POST", "/api/v1/orders/{order_id}/deliver"): Rule(BUYER_OR_SHOP, prepare=_shipped),
        ("POST", "/api/v1/orders/{order_id}/refund"): Rule(RUNNERS, prepare=_shipped),
    },
    params={"flash_sale_id": _flash_sale, "order_id": _order},
)
