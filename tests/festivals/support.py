"""Helpers for festival tests: festivals around now, festival prices, wallet and ledger balances."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx

from tests.helpers import Actor
from tests.helpers_db import run_sql


def at(seconds: float) -> str:
    """An ISO time `seconds` from now."""
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()


def make_festival(api: httpx.Client, operator: Actor, shop_ids: list[int], *, starts_in: float = -60,
                  lasts: float = 3600, **fields) -> dict:
    """A festival of these shops, running now unless told otherwise."""
    body = {"name": "Singles' Day 11.11", "starts_at": at(starts_in), "ends_at": at(starts_in + lasts),
            "shop_ids": shop_ids, **fields}
    response = api.post("/api/v1/festivals", headers=operator.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def festival_price(api: httpx.Client, actor: Actor, festival_id: int, product_id: int, **fields) -> httpx.Response:
    return api.post(f"/api/v1/festivals/{festival_id}/prices", headers=actor.headers,
                    json={"product_id": product_id, **fields})


def wallet_balance(api: httpx.Client, user: Actor, currency: str = "CNY") -> int:
    wallets = api.get("/api/v1/me/wallet", headers=user.headers).json()["wallets"]
    return next((w["balance"]["amount_minor"] for w in wallets if w["balance"]["currency"] == currency), 0)


def account_balance(database_url: str, kind: str, owner_key: str, currency: str = "CNY") -> int:
    """An account's balance summed from its ledger entries (0 when it was never used)."""
    rows = run_sql(database_url, "SELECT COALESCE(SUM(e.amount_minor), 0) FROM ledger_entries e "
                                 "JOIN ledger_accounts a ON a.id = e.account_id "
                                 "WHERE a.kind = :kind AND a.owner_key = :owner AND a.currency = :currency",
                   kind=kind, owner=owner_key, currency=currency)
    return int(rows[0][0])


def fund(api: httpx.Client, operator: Actor, user: Actor, amount_minor: int, currency: str = "CNY") -> None:
    """The operator tops up the user's wallet."""
    response = api.post(f"/api/v1/users/{user.id}/wallet/topups", headers=operator.headers,
                        json={"amount_minor": amount_minor, "currency": currency})
    assert response.status_code == 201, response.text
