"""Helpers for openings tests: a live show with an opening lot, buying tickets, wallets."""

from __future__ import annotations

import uuid

import httpx

from tests.helpers import Actor, make_shop, make_show, register
from tests.orders.support import top_up


def live_lot(api: httpx.Client, **lot_fields) -> dict:
    """A pearl farmer, their shop, a live show and an opening lot in it."""
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    show = make_show(api, seller, shop["id"])
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers).status_code == 200
    lot = make_lot(api, seller, show["id"], **lot_fields)
    return {"seller": seller, "shop": shop, "show": show, "lot": lot}


def make_lot(api: httpx.Client, runner: Actor, show_id: int, **fields) -> dict:
    body = {"kind": "oyster", "title": "Akoya oyster", "price_minor": 990, "quantity": 5, **fields}
    response = api.post(f"/api/v1/shows/{show_id}/openings", json=body, headers=runner.headers)
    assert response.status_code == 201, response.text
    return response.json()


def buyer_with(api: httpx.Client, database_url: str, amount_minor: int = 10_000, name: str = "Wang",
               **fields) -> Actor:
    """A viewer whose wallet holds `amount_minor` CNY."""
    buyer = register(api, display_name=name, **fields)
    top_up(api, database_url, buyer, amount_minor)
    return buyer


def buy_ticket(api: httpx.Client, buyer: Actor, lot_id: int, key: str | None = None) -> httpx.Response:
    headers = {**buyer.headers, "Idempotency-Key": key or uuid.uuid4().hex}
    return api.post(f"/api/v1/openings/{lot_id}/tickets", headers=headers)


def wallet_minor(api: httpx.Client, user: Actor, currency: str = "CNY") -> int:
    wallets = api.get("/api/v1/me/wallet", headers=user.headers).json()["wallets"]
    return sum(w["balance"]["amount_minor"] for w in wallets if w["balance"]["currency"] == currency)


def open_ticket(api: httpx.Client, runner: Actor, lot_id: int, ticket_id: int, **outcome) -> httpx.Response:
    return api.post(f"/api/v1/openings/{lot_id}/tickets/{ticket_id}/open", headers=runner.headers, json=outcome)
