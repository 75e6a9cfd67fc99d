"""Small helpers for tests that talk to a running app over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

PASSWORD = "Correct-Horse-42"


@dataclass
class Actor:
    """A registered, logged-in user as a test sees it."""

    id: int
    email: str
    token: str
    roles: list[str]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def unique(prefix: str = "x") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def register(api: httpx.Client, roles: list[str] | None = None, **fields) -> Actor:
    """Register and log in a new user with self-service roles."""
    email = fields.pop("email", f"{unique('user')}@example.com")
    body = {"email": email, "password": PASSWORD, "display_name": fields.pop("display_name", "Test User"),
            "roles": roles or ["viewer"], **fields}
    created = api.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    return login(api, email)


def login(api: httpx.Client, email: str, password: str = PASSWORD) -> Actor:
    """Log in and return the actor with its token."""
    response = api.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    data = response.json()
    api.cookies.clear()  # tests authenticate explicitly with Bearer tokens
    return Actor(id=data["user"]["id"], email=email, token=data["token"], roles=data["user"]["roles"])


def make_shop(api: httpx.Client, owner: Actor, **fields) -> dict:
    """A shop owned by `owner`."""
    body = {"name": unique("Shop"), "city": "Tianshui", "country": "CN", **fields}
    response = api.post("/api/v1/shops", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return response.json()


def make_product(api: httpx.Client, owner: Actor, shop_id: int, **fields) -> dict:
    """An active product in the shop."""
    body = {"title": "Wool scarf", "sku": unique("SKU"), "price_minor": 12800, "stock": 10, "status": "active",
            **fields}
    response = api.post(f"/api/v1/shops/{shop_id}/products", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return response.json()


def make_show(api: httpx.Client, runner: Actor, shop_id: int, *, minutes_ahead: int = 60, **fields) -> dict:
    """A show scheduled by `runner` (a member of the shop) `minutes_ahead` from now."""
    from datetime import datetime, timedelta, timezone

    body = {"shop_id": shop_id, "title": "Evening wool special", "language": "zh", "market": "CN",
            "category": "clothes",
            "scheduled_at": (datetime.now(timezone.utc) + timedelta(minutes=minutes_ahead)).isoformat(), **fields}
    response = api.post("/api/v1/shows", json=body, headers=runner.headers)
    assert response.status_code == 201, response.text
    return response.json()
