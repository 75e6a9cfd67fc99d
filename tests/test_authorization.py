"""Every write endpoint, walked for every role: only the right people may change anything.

Each area lists its write routes in tests/<area>/access_rules.py; a route missing there fails this audit.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from livestall.main import create_app
from livestall.settings import Settings
from tests.access import ROLES
from tests.helpers import login, make_shop, register
from tests.helpers_db import make_operator, run_sql

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _areas():
    tests_dir = Path(__file__).parent
    for info in pkgutil.iter_modules([str(tests_dir)]):
        if info.ispkg and (tests_dir / info.name / "access_rules.py").exists():
            yield importlib.import_module(f"tests.{info.name}.access_rules").AREA


AREAS = list(_areas())
RULES = {key: rule for area in AREAS for key, rule in area.rules.items()}
PARAMS = {name: make for area in AREAS for name, make in area.params.items()}


def write_routes() -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    return {(m, r.path) for r in app.routes if isinstance(r, APIRoute) for m in r.methods & WRITE_METHODS}


def test_every_write_route_has_an_access_rule():
    missing = write_routes() - set(RULES)
    assert not missing, f"write routes without a Rule in tests/<area>/access_rules.py: {sorted(missing)}"


@pytest.fixture(scope="module")
def world(app_server):
    from tests.catalog.test_products import png_bytes

    api = httpx.Client(base_url=app_server.url, timeout=30)
    owner = register(api, roles=["seller", "host"])
    shop = make_shop(api, owner)
    staff = register(api)
    api.post(f"/api/v1/shops/{shop['id']}/staff", headers=owner.headers, json={"email": staff.email})
    agency = register(api)
    run_sql(app_server.database_url, "INSERT INTO user_roles (user_id, role) VALUES (:u, 'agency_admin')", u=agency.id)
    world = {
        "api": api, "shop": shop, "png": png_bytes(), "database_url": app_server.database_url,
        "owner": owner, "staff": staff, "viewer": register(api), "seller": register(api, roles=["seller"]),
        "host": register(api, roles=["host"]), "operator": make_operator(api, app_server.database_url),
        "agency_admin": agency,
    }
    world["made"] = {}
    world["tokens"] = {}

    def fresh(name: str) -> int:
        """A fresh object for a placeholder, made once per call so that nested ones share it."""
        if name not in world["made"]:
            world["made"][name] = PARAMS[name](world)
        return world["made"][name]

    world["fresh"] = fresh
    yield world
    api.close()


def headers_of(world, role: str) -> dict[str, str]:
    """A live token of the role's user: logged in once, and again only after a call revoked it (a logout).

    A login verifies an argon2 hash, which costs far more than the call under test."""
    if role == "anonymous":
        return {}
    api, tokens = world["api"], world["tokens"]
    headers = tokens.get(role)
    if headers is None or api.get("/api/v1/me", headers=headers).status_code == 401:
        headers = tokens[role] = login(api, world[role].email).headers
    return headers


def fresh_path(world, path: str) -> str:
    """The path with fresh objects for its placeholders, so that one role's call cannot disturb another's."""
    names = re.findall(r"{(\w+)}", path)
    world["made"] = {}
    return path.format(**{name: world["fresh"](name) for name in names})


@pytest.mark.parametrize("method, path", sorted(RULES))
@pytest.mark.parametrize("role", ROLES)
def test_role_may_or_may_not_write(world, method, path, role):
    rule = RULES[(method, path)]
    api = world["api"]
    headers = headers_of(world, role)
    url = fresh_path(world, path)
    if rule.prepare:
        rule.prepare(world, url)
    kwargs = {}
    if rule.image:
        kwargs["files"] = {"file": ("p.png", world["png"], "image/png")}
    elif rule.body is not None:
        kwargs["json"] = rule.body(world)
    if rule.headers is not None:
        headers = {**headers, **rule.headers(world)}
    api.cookies.clear()
    response = api.request(method, url, headers=headers, **kwargs)
    if role in rule.allowed:
        assert response.status_code < 400 or response.status_code in rule.passed, \
            f"{role} {method} {path}: {response.status_code} {response.text}"
    else:
        expected = {401} if role == "anonymous" else {403}
        assert response.status_code in expected, f"{role} {method} {path}: {response.status_code} {response.text}"
