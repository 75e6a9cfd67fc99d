"""Helpers for auction tests: a live show with an auction, bidders with money and an address, bids over the room."""

from __future__ import annotations

import time

import httpx

from tests.helpers import Actor, register
from tests.orders.support import ADDRESS, live_shop, top_up


def bidder(api: httpx.Client, database_url: str, wallet_minor: int = 100_000, name: str = "Bidder",
           **fields) -> Actor:
    """A viewer with CNY in their wallet and a default delivery address."""
    actor = register(api, display_name=name, **fields)
    if wallet_minor:
        top_up(api, database_url, actor, wallet_minor)
    added = api.post("/api/v1/me/addresses", json=ADDRESS, headers=actor.headers)
    assert added.status_code == 201, added.text
    return actor


def balance(api: httpx.Client, actor: Actor, currency: str = "CNY") -> int:
    """The actor's wallet balance in minor units (0 without a wallet)."""
    wallets = api.get("/api/v1/me/wallet", headers=actor.headers).json()["wallets"]
    return next((w["balance"]["amount_minor"] for w in wallets if w["balance"]["currency"] == currency), 0)


def auction_world(api: httpx.Client, **fields) -> dict:
    """A live show with one product pinned (5 in stock) and an auction of it, scheduled."""
    world = live_shop(api, stock=5, price_minor=30000)
    body = {"product_id": world["product"]["id"], "starting_price_minor": 10000, "duration_s": 20, **fields}
    created = api.post(f"/api/v1/shows/{world['show']['id']}/auctions", json=body, headers=world["seller"].headers)
    assert created.status_code == 201, created.text
    world["auction"] = created.json()
    return world


def open_auction(api: httpx.Client, world: dict) -> dict:
    opened = api.post(f"/api/v1/auctions/{world['auction']['id']}/open", headers=world["seller"].headers)
    assert opened.status_code == 200, opened.text
    return opened.json()


def get_auction(api: httpx.Client, auction_id: int, actor: Actor | None = None) -> dict:
    response = api.get(f"/api/v1/auctions/{auction_id}", headers=actor.headers if actor else {})
    assert response.status_code == 200, response.text
    return response.json()


def wait_ended(api: httpx.Client, auction_id: int, timeout: float = 150) -> dict:
    """The auction once the server closed it (by its own clock) and settled its hammer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        auction = get_auction(api, auction_id)
        # A card winner's close ends the auction first (no result yet) and writes the result and the hammer in one
        # transaction once the card is captured.
        if auction["status"] == "ended" and auction["result"] is not None:
            return auction
        time.sleep(0.3)
    raise TimeoutError(f"auction {auction_id} did not end in {timeout}s")
