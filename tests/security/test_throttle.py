"""Logins and sign-ups are throttled per account and per client address, with a 429 naming the rule."""

from __future__ import annotations

import httpx
import pytest

from tests.appserver import AppProcess
from tests.helpers import PASSWORD, unique
from tests.web.support import Browser

LIMITS = {"LIVESTALL_AUTH_LOGIN_PER_ACCOUNT": "3", "LIVESTALL_AUTH_LOGIN_PER_IP": "6",
          "LIVESTALL_AUTH_REGISTER_PER_ACCOUNT": "2", "LIVESTALL_AUTH_REGISTER_PER_IP": "4",
          "LIVESTALL_AUTH_RATE_WINDOW_S": "600"}


@pytest.fixture(scope="module")
def strict(database_url, tmp_path_factory):
    server = AppProcess(database_url=database_url, data_dir=tmp_path_factory.mktemp("strict"),
                        env={**LIMITS, "LIVESTALL_RTMP_ENABLED": "false"}).start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
    server.stop()


def _login(api, email: str, password: str = "Wrong-password-1", ip: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": ip} if ip else {}  # the test client is the trusted local proxy
    return api.post("/api/v1/auth/login", json={"email": email, "password": password}, headers=headers)


def _refused_by(response: httpx.Response, rule: str, field: str) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    problem = response.json()
    assert problem["status"] == 429 and problem["errors"][0]["rule"] == rule and problem["errors"][0]["field"] == field


def test_login_is_throttled_per_account_then_per_address(strict):
    ip = "203.0.113.10"
    email = f"{unique('victim')}@example.com"
    registered = strict.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD,
                                                            "display_name": "Victim"}, headers={"X-Forwarded-For": ip})
    assert registered.status_code == 201, registered.text
    assert [_login(strict, email, ip=ip).status_code for _ in range(3)] == [401] * 3
    # guessing stops on the account, even with the right password, and from another address too
    _refused_by(_login(strict, email, PASSWORD, ip=ip), "login_per_account", "email")
    _refused_by(_login(strict, email.upper(), PASSWORD, ip="198.51.100.1"), "login_per_account", "email")
    # the web form counts against the same limit, and says so on the page, in the user's language
    spanish = Browser(str(strict.base_url), "es-ES")
    spanish.client.headers["X-Forwarded-For"] = ip
    spanish.get("/login")
    form = spanish.post("/login", {"email": email, "password": PASSWORD, "next": "/"})
    spanish.close()
    assert form.status_code == 429 and form.headers["content-type"].startswith("text/html")
    assert int(form.headers["retry-after"]) >= 1
    assert "Demasiados intentos. Vuelve a intentarlo dentro de" in form.text
    assert f'value="{email}"' in form.text  # what was typed stays in the form
    # one address spreading guesses over many accounts is stopped as well
    codes = [_login(strict, f"{unique('other')}@example.com", ip=ip).status_code for _ in range(3)]
    assert codes == [401, 401, 401]  # 3 + 3 attempts counted on this address
    _refused_by(_login(strict, f"{unique('other')}@example.com", ip=ip), "login_per_ip", "client")
    assert _login(strict, f"{unique('other')}@example.com", ip="203.0.113.11").status_code == 401


def test_guessing_the_current_password_is_throttled_like_logins(strict):
    ip = "203.0.113.40"
    email = f"{unique('holder')}@example.com"
    elsewhere = {"X-Forwarded-For": "203.0.113.41"}
    strict.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": "H"},
                headers=elsewhere)
    token = strict.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=elsewhere).json()
    headers = {"Authorization": f"Bearer {token['token']}", "X-Forwarded-For": ip}
    guesses = [strict.post("/api/v1/me/password", headers=headers,
                           json={"current_password": f"Guess-number-{n}", "new_password": "Another-pass-99"})
               for n in range(7)]
    assert [g.status_code for g in guesses[:6]] == [422] * 6, guesses[0].text
    _refused_by(guesses[6], "login_per_ip", "client")


def test_sign_up_is_throttled_per_account_and_per_address(strict):
    ip = "203.0.113.20"
    email = f"{unique('signup')}@example.com"
    body = {"email": email, "password": PASSWORD, "display_name": "Signup"}
    first = strict.post("/api/v1/auth/register", json=body, headers={"X-Forwarded-For": ip})
    again = strict.post("/api/v1/auth/register", json=body, headers={"X-Forwarded-For": ip})
    assert first.status_code == 201 and again.status_code == 409, again.text
    _refused_by(strict.post("/api/v1/auth/register", json=body, headers={"X-Forwarded-For": ip}),
                "register_per_account", "email")
    for _ in range(2):  # this address has two sign-ups left in the window
        other = {**body, "email": f"{unique('signup')}@example.com"}
        assert strict.post("/api/v1/auth/register", json=other, headers={"X-Forwarded-For": ip}).status_code == 201
    other = {**body, "email": f"{unique('signup')}@example.com"}
    _refused_by(strict.post("/api/v1/auth/register", json=other, headers={"X-Forwarded-For": ip}),
                "register_per_ip", "client")
    # the sign-up form from that address gets its own page back, with the values typed
    french = Browser(str(strict.base_url), "fr-FR")
    french.client.headers["X-Forwarded-For"] = ip
    french.get("/signup")
    form = french.post("/signup", {"email": f"{unique('signup')}@example.com", "password": PASSWORD,
                                   "display_name": "Élodie"})
    french.close()
    assert form.status_code == 429 and form.headers["content-type"].startswith("text/html")
    assert "Trop de tentatives. Réessayez dans" in form.text and 'value="Élodie"' in form.text
