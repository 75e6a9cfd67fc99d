"""Who may start, draw and enter giveaways, and pin, unpin and claim live-only coupons."""

from __future__ import annotations

import re

from tests.access import LOGGED_IN, AreaRules, Rule
from tests.shows.access_rules import show_body

RUNNERS = ("owner", "staff")
# The host and the shop's people give the prize: everyone else logged in may enter.
ENTRANTS = tuple(role for role in LOGGED_IN if role not in RUNNERS)


def _live_show(w) -> int:
    show_id = w["api"].post("/api/v1/shows", json=show_body(w), headers=w["owner"].headers).json()["id"]
    w["api"].post(f"/api/v1/shows/{show_id}/start", headers=w["owner"].headers)
    return show_id


def _start_show(w, path: str) -> None:
    show_id = re.search(r"/shows/(\d+)", path).group(1)
    w["api"].post(f"/api/v1/shows/{show_id}/start", headers=w["owner"].headers)


def _giveaway(w) -> int:
    body = {"prize": "voucher", "amount_minor": 500, "duration_s": 600}
    return w["api"].post(f"/api/v1/shows/{_live_show(w)}/giveaways", json=body,
                         headers=w["owner"].headers).json()["id"]


def _coupon(w) -> int:
    return w["api"].post(f"/api/v1/shows/{_live_show(w)}/coupons", json={"amount_off_minor": 500, "quota": 50},
                         headers=w["owner"].headers).json()["id"]


AREA = AreaRules(
    rules={
        ("POST", "/api/v1/shows/{show_id}/giveaways"): Rule(RUNNERS, prepare=_start_show, body=lambda w: {
            "prize": "voucher", "amount_minor": 500, "duration_s": 600}),
        ("POST", "/api/v1/giveaways/{giveaway_id}/draw"): Rule(RUNNERS),
        ("POST", "/api/v1/giveaways/{giveaway_id}/entries"): Rule(ENTRANTS),
        ("POST", "/api/v1/shows/{show_id}/coupons"): Rule(RUNNERS, prepare=_start_show, body=lambda w: {
            "percent_off": 10, "quota": 20}),
        ("DELETE", "/api/v1/coupons/{coupon_id}"): Rule(RUNNERS),
        ("POST", "/api/v1/coupons/{coupon_id}/claims"): Rule(LOGGED_IN),
    },
    params={"giveaway_id": _giveaway, "coupon_id": _coupon},
)
