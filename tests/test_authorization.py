"""Every write endpoint, walked for every role: only the right people may change anything."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from livestall.main import create_app
from livestall.settings import Settings
from tests.helpers import make_product, make_shop, register, unique
from tests.helpers_db import make_operator

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = ("anonymous", "viewer", "seller", "host", "agency_admin", "operator", "owner", "staff")

# (method, path) -> (body builder, roles allowed). Roles not listed must get 401 (anonymous) or 403/404.
# Open endpoints (anyone, logged in or not) are listed with every role.
RULES = {
    ("POST", "/api/v1/auth/register"): (lambda w: {"email": f"{unique('r')}@example.com",
                                                   "password": "Correct-Horse-42", "display_name": "R"}, ROLES),
    ("POST", "/api/v1/auth/login"): (lambda w: {"email": w["owner"].email, "password": "Correct-Horse-42"}, ROLES),
    ("POST", "/api/v1/auth/logout"): (None, tuple(r for r in ROLES if r != "anonymous")),
    ("PATCH", "/api/v1/me"): (lambda w: {"display_name": "Me"}, tuple(r for r in ROLES if r != "anonymous")),
    ("PUT", "/api/v1/users/{user_id}/roles"): (lambda w: {"roles": ["host"]}, ("operator",)),
    ("POST", "/api/v1/shops"): (lambda w: {"name": unique("S"), "city": "C", "country": "CN"}, ("seller", "owner")),
    ("PATCH", "/api/v1/shops/{shop_id}"): (lambda w: {"description": "new"}, ("owner",)),
    ("POST", "/api/v1/shops/{shop_id}/staff"): (lambda w: {"email": register(w["api"]).email}, ("owner",)),
    ("POST", "/api/v1/shops/{shop_id}/products"): (
        lambda w: {"title": "T", "sku": unique("S"), "price_minor": 1}, ("owner", "staff")),
    ("PATCH", "/api/v1/products/{product_id}"): (lambda w: {"stock": 7}, ("owner", "staff")),
    ("POST", "/api/v1/products/{product_id}/images"): ("image", ("owner", "staff")),
    ("DELETE", "/api/v1/products/{product_id}/images/{image_id}"): (None, ("owner", "staff")),
    ("POST", "/api/v1/shows"): (lambda w: show_body(w), ("owner", "staff")),
    ("PATCH", "/api/v1/shows/{show_id}"): (lambda w: {"title": "New title"}, ("owner", "staff")),
    ("POST", "/api/v1/shows/{show_id}/start"): (None, ("owner", "staff")),
    ("POST", "/api/v1/shows/{show_id}/end"): ("live", ("owner", "staff")),
    ("POST", "/api/v1/shows/{show_id}/cancel"): (None, ("owner", "staff")),
    ("POST", "/api/v1/shows/{show_id}/cover"): ("image", ("owner", "staff")),
    ("PUT", "/api/v1/shows/{show_id}/moderators/{user_id}"): (None, ("owner", "staff")),
    ("DELETE", "/api/v1/shows/{show_id}/moderators/{user_id}"): (None, ("owner", "staff")),
    ("POST", "/api/v1/me/stream-key"): (None, ("seller", "host", "owner")),
}


def show_body(world) -> dict:
    from datetime import datetime, timedelta, timezone

    return {"shop_id": world["shop"]["id"], "title": "T", "language": "en", "market": "US", "host_id": world["owner"].id,
            "scheduled_at": (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()}


def write_routes() -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    return {(m, r.path) for r in app.routes if isinstance(r, APIRoute) for m in r.methods & WRITE_METHODS}


def test_every_write_route_has_an_access_rule():
    missing = write_routes() - set(RULES)
    assert not missing, f"write routes without an entry in RULES: {sorted(missing)}"


@pytest.fixture(scope="module")
def world(app_server):
    import httpx

    from tests.catalog.test_products import png_bytes

    api = httpx.Client(base_url=app_server.url, timeout=30)
    owner = register(api, roles=["seller"])
    shop = make_shop(api, owner)
    staff = register(api)
    api.post(f"/api/v1/shops/{shop['id']}/staff", headers=owner.headers, json={"email": staff.email})
    actors = {
        "owner": owner, "staff": staff, "viewer": register(api), "seller": register(api, roles=["seller"]),
        "host": register(api, roles=["host"]), "operator": make_operator(api, app_server.database_url),
    }
    agency = register(api)
    from tests.helpers_db import run_sql
    run_sql(app_server.database_url, "INSERT INTO user_roles (user_id, role) VALUES (:u, 'agency_admin')", u=agency.id)
    actors["agency_admin"] = agency
    yield {"api": api, "shop": shop, "png": png_bytes(), **actors}
    api.close()


def fresh_path(world, path: str) -> str:
    """The path with fresh objects of the owner's shop, so that one role's call cannot disturb another's."""
    api, owner = world["api"], world["owner"]
    product = make_product(api, owner, world["shop"]["id"])
    image = api.post(f"/api/v1/products/{product['id']}/images", headers=owner.headers,
                     files={"file": ("p.png", world["png"], "image/png")}).json()
    show = api.post("/api/v1/shows", json=show_body(world), headers=owner.headers).json()
    return path.format(shop_id=world["shop"]["id"], product_id=product["id"], image_id=image["id"],
                       user_id=world["viewer"].id, show_id=show["id"])


@pytest.mark.parametrize("method, path", sorted(RULES))
@pytest.mark.parametrize("role", ROLES)
def test_role_may_or_may_not_write(world, method, path, role):
    build, allowed = RULES[(method, path)]
    api = world["api"]
    headers = {}
    if role != "anonymous":
        # logout revokes the token it is called with, so each call gets a token of its own
        from tests.helpers import login
        headers = login(api, world[role].email).headers
    kwargs = {}
    path = fresh_path(world, path)
    if build == "live":  # ending needs a live show
        api.post(path.replace("/end", "/start"), headers=world["owner"].headers)
    elif build == "image":
        kwargs["files"] = {"file": ("p.png", world["png"], "image/png")}
    elif build is not None:
        kwargs["json"] = build(world)
    api.cookies.clear()
    response = api.request(method, path, headers=headers, **kwargs)
    if role in allowed:
        assert response.status_code < 400, f"{role} {method} {path}: {response.status_code} {response.text}"
    else:
        expected = {401} if role == "anonymous" else {403}
        assert response.status_code in expected, f"{role} {method} {path}: {response.status_code} {response.text}"
