"""Who may call the openings write routes."""

from __future__ import annotations

import uuid

from tests.access import AreaRules, Rule
from tests.orders.support import ADDRESS
from tests.shows.access_rules import show_body

RUNNERS = ("owner", "staff")
LOT = {"kind": "oyster", "title": "Akoya oyster", "price_minor": 990, "quantity": 5}


def _lot(w) -> int:
    show_id = w["api"].post("/api/v1/shows", json=show_body(w), headers=w["owner"].headers).json()["id"]
    response = w["api"].post(f"/api/v1/shows/{show_id}/openings", json=LOT, headers=w["owner"].headers)
    return response.json()["id"]


def _key(w) -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


AREA = AreaRules(
    rules={
        ("POST", "/api/v1/shows/{show_id}/openings"): Rule(RUNNERS, body=lambda w: LOT),
        # Any logged-in viewer may buy; with an empty wallet the purchase is refused after authorization.
        ("POST", "/api/v1/openings/{lot_id}/tickets"): Rule(
            ("viewer", "seller", "host", "agency_admin", "operator", "owner", "staff"), headers=_key,
            passed=(409,)),
        # No ticket 0 exists: an allowed role gets past authorization to the 404.
        ("POST", "/api/v1/openings/{lot_id}/tickets/{ticket_id}/open"): Rule(RUNNERS, body=lambda w: {"pearl_count": 1},
                                                                            passed=(404,)),
        ("POST", "/api/v1/openings/{lot_id}/tickets/{ticket_id}/set-aside"): Rule(RUNNERS, passed=(404,)),
        ("POST", "/api/v1/openings/{lot_id}/photos"): Rule(RUNNERS, image=True),
        # The test show sends no video: an allowed role gets past authorization to the 409 (no live stream).
        ("POST", "/api/v1/openings/{lot_id}/snapshots"): Rule(RUNNERS, passed=(409,)),
        ("POST", "/api/v1/openings/{lot_id}/tickets/{ticket_id}/corrections"): Rule(
            RUNNERS, body=lambda w: {"reason": "typo", "outcome": {"pearl_count": 1}}, passed=(404,)),
        ("POST", "/api/v1/openings/{lot_id}/close"): Rule(RUNNERS, body=lambda w: {"unopened": "refund"}),
        # Only the ticket's buyer may choose; anyone else is told it does not exist.
        ("POST", "/api/v1/me/openings/{ticket_id}/fulfilment"): Rule(
            ("viewer", "seller", "host", "agency_admin", "operator", "owner", "staff"),
            body=lambda w: {"choice": "ship", "shipping": ADDRESS}, passed=(404,)),
    },
    params={"lot_id": _lot, "ticket_id": lambda w: 0},
)
