"""Register, log in, log out, profiles: over HTTP against a real app process."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD, login, register, unique


def test_register_login_logout_then_token_is_refused(api):
    email = f"{unique('mei')}@example.com"
    created = api.post("/api/v1/auth/register", json={
        "email": email.upper(), "password": PASSWORD, "display_name": "Li Mei", "roles": ["seller"],
        "language": "zh", "country": "cn", "currency": "CNY",
    })
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["email"] == email and body["country"] == "CN"
    assert body["roles"] == ["seller", "viewer"]
    assert "password" not in created.text and "password_hash" not in created.text

    actor = login(api, email)
    assert api.get("/api/v1/me", headers=actor.headers).json()["display_name"] == "Li Mei"

    assert api.post("/api/v1/auth/logout", headers=actor.headers).status_code == 204
    refused = api.get("/api/v1/me", headers=actor.headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_login_sets_httponly_lax_cookie_that_authenticates(api):
    actor = register(api)
    response = api.post("/api/v1/auth/login", json={"email": actor.email, "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert api.get("/api/v1/me").json()["id"] == actor.id  # the client now sends the cookie
    assert api.post("/api/v1/auth/logout").status_code == 204
    api.cookies.set("livestall_session", response.json()["token"])
    assert api.get("/api/v1/me").status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_401(api):
    actor = register(api)
    wrong = api.post("/api/v1/auth/login", json={"email": actor.email, "password": "Not-the-password-1"})
    unknown = api.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_garbage_token_is_refused(api):
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_duplicate_email_is_a_conflict_naming_email(api):
    actor = register(api)
    again = api.post("/api/v1/auth/register", json={"email": actor.email, "password": PASSWORD,
                                                     "display_name": "Again"})
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "email"


@pytest.mark.parametrize("password, rule", [
    ("short1A", "min_length"),
    ("aaaaaaaaaaaa", "not_common"),
    ("password123", "not_common"),
    ("onlylowercaseletters", "mixed_characters"),
])
def test_weak_passwords_are_refused_and_nothing_is_written(api, password, rule):
    email = f"{unique('weak')}@example.com"
    response = api.post("/api/v1/auth/register", json={"email": email, "password": password, "display_name": "W"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "password", "rule": rule, "message": response.json()["errors"][0]["message"]}]
    assert api.post("/api/v1/auth/login", json={"email": email, "password": password}).status_code == 401


@pytest.mark.parametrize("field, value, rule", [
    ("email", "not-an-email", "email_format"),
    ("display_name", "x" * 81, "string_too_long"),
    ("display_name", "", "string_too_short"),
    ("language", "de", "literal_error"),
    ("currency", "XYZ", "known_currency"),
    ("country", "Spain", "iso_country"),
    ("roles", ["operator"], "literal_error"),
    ("is_admin", True, "extra_forbidden"),
])
def test_bad_registration_fields_are_named(api, field, value, rule):
    body = {"email": f"{unique('bad')}@example.com", "password": PASSWORD, "display_name": "Bad", field: value}
    response = api.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    problems = response.json()["errors"]
    assert any(p["field"].split(".")[0] == field and p["rule"] == rule for p in problems), problems


def test_profile_update(api):
    actor = register(api)
    assert api.get("/api/v1/me", headers=actor.headers).json()["currency"] == "CNY"  # the profile as the page saw it
    changed = api.patch("/api/v1/me", headers=actor.headers,
                        json={"language": "es", "country": "ES", "currency": "EUR", "display_name": "Sofía"})
    assert changed.status_code == 200
    assert {k: changed.json()[k] for k in ("language", "country", "currency", "display_name")} == {
        "language": "es", "country": "ES", "currency": "EUR", "display_name": "Sofía"}
    bad = api.patch("/api/v1/me", headers=actor.headers, json={"language": "es", "currency": "EURO"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "currency"
    assert api.get("/api/v1/me", headers=actor.headers).json()["currency"] == "EUR"


def test_only_operators_set_roles(api, app_server):
    from tests.helpers_db import make_operator

    viewer = register(api)
    assert api.get("/api/v1/me", headers=viewer.headers).json()["roles"] == ["viewer"]
    assert api.put(f"/api/v1/users/{viewer.id}/roles", headers=viewer.headers,
                   json={"roles": ["operator"]}).status_code == 403
    operator = make_operator(api, app_server.database_url)
    granted = api.put(f"/api/v1/users/{viewer.id}/roles", headers=operator.headers,
                      json={"roles": ["host", "agency_admin"]})
    assert granted.status_code == 200
    assert granted.json()["roles"] == ["agency_admin", "host", "viewer"]
    assert api.get("/api/v1/me", headers=viewer.headers).json()["roles"] == ["agency_admin", "host", "viewer"]
