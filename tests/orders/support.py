"""Helpers for selling tests: a live show with pinned products, buying, topping up."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import httpx

from tests.helpers import Actor, make_product, make_shop, make_show, register
from tests.helpers_db import make_operator

ADDRESS = {"name": "Wang Fang", "line1": "88 Nanjing Road", "city": "Shanghai", "postal_code": "200001",
           "country": "CN", "phone": "+86 21 5555 0000"}


def live_shop(api: httpx.Client, *, products: int = 1, **product_fields) -> dict:
    """A seller, their shop, a live show and `products` products pinned on its shelf."""
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    items = [make_product(api, seller, shop["id"], **product_fields) for _ in range(products)]
    show = make_show(api, seller, shop["id"])
    started = api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers)
    assert started.status_code == 200, started.text
    shelf = api.put(f"/api/v1/shows/{show['id']}/pins", headers=seller.headers,
                    json={"product_ids": [p["id"] for p in items]})
    assert shelf.status_code == 200, shelf.text
    return {"seller": seller, "shop": shop, "show": show, "products": items, "product": items[0]}


def buy(api: httpx.Client, buyer: Actor, show_id: int, product_id: int, *, key: str | None = None,
        **body) -> httpx.Response:
    """POST buy-now with a fresh Idempotency-Key unless one is given."""
    payload = {"product_id": product_id, "quantity": 1, "shipping": ADDRESS, **body}
    headers = {**buyer.headers, "Idempotency-Key": key or uuid.uuid4().hex}
    return api.post(f"/api/v1/shows/{show_id}/buy", json=payload, headers=headers)


def top_up(api: httpx.Client, database_url: str, user: Actor, amount_minor: int, currency: str = "CNY") -> dict:
    """An operator tops up the user's wallet."""
    operator = make_operator(api, database_url)
    response = api.post(f"/api/v1/users/{user.id}/wallet/topups", headers=operator.headers,
                        json={"amount_minor": amount_minor, "currency": currency})
    assert response.status_code == 201, response.text
    return response.json()


def flash_sale(api: httpx.Client, runner: Actor, show_id: int, product_id: int, **fields) -> dict:
    """A flash sale starting now (unless told otherwise)."""
    body = {"product_id": product_id, "duration_s": 300, "sale_price_minor": 9900, "units": 5, **fields}
    response = api.post(f"/api/v1/shows/{show_id}/flash-sales", headers=runner.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def soon(seconds: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat()


def ledger_check(api: httpx.Client, database_url: str) -> dict:
    operator = make_operator(api, database_url)
    return api.get("/api/v1/ledger/check", headers=operator.headers).json()


def at_once(base_url: str, first, second) -> tuple[httpx.Response, httpx.Response]:
    """Two calls (each given an httpx client) released together from two threads, each on its own connection."""
    gate = threading.Barrier(2)
    results: list = [None, None]

    def run(index, call):
        with httpx.Client(base_url=base_url, timeout=30) as client:
            client.get("/healthz")  # connected before the gate opens: the two requests leave together
            gate.wait()
            results[index] = call(client)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results[0], results[1]
