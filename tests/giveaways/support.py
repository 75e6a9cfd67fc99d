"""Helpers for giveaway and coupon tests: start a giveaway, pin a coupon, enter and claim over the room."""

from __future__ import annotations

import time

import httpx

from tests.helpers import Actor
from tests.room_client import RoomClient


def start_giveaway(api: httpx.Client, runner: Actor, show_id: int, **fields) -> dict:
    body = {"prize": "voucher", "amount_minor": 500, "duration_s": 600, **fields}
    response = api.post(f"/api/v1/shows/{show_id}/giveaways", headers=runner.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def draw_now(api: httpx.Client, runner: Actor, giveaway_id: int) -> dict:
    response = api.post(f"/api/v1/giveaways/{giveaway_id}/draw", headers=runner.headers)
    assert response.status_code == 200, response.text
    return response.json()


def pin_coupon(api: httpx.Client, runner: Actor, show_id: int, **fields) -> dict:
    body = {"amount_off_minor": 2000, "quota": 10, "valid_hours": 24, **fields}
    response = api.post(f"/api/v1/shows/{show_id}/coupons", headers=runner.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def room(app_server, show_id: int, user: Actor) -> RoomClient:
    return RoomClient(app_server.ws_base, show_id, user.token)


def refusal(reply: dict) -> tuple[str, str | None, str | None]:
    """An answer frame as (type, field, rule)."""
    return reply["type"], reply.get("field"), reply.get("rule")


def enter_when_written(client: RoomClient, giveaway_id: int, timeout: float = 5.0) -> dict:
    """Enter, trying again while the chat line that makes the viewer eligible is still queued for writing."""
    deadline = time.monotonic() + timeout
    while True:
        reply = client.request("enter_giveaway", giveaway_id=giveaway_id)
        if reply.get("rule") != "not_eligible" or time.monotonic() > deadline:
            return reply
        time.sleep(0.2)
