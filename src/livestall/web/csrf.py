"""Cross-site request forgery protection for everything a browser sends with the session cookie.

A page's token is derived from a secret only this browser holds: its login cookie, or before a
login, a random "seed" cookie. Both are HttpOnly, so another site can neither read them nor
compute the token. Forms carry the token in a hidden field, scripts in the X-CSRF-Token header.

- The web pages' forms check their field (or header) themselves, logged in or not (login CSRF).
- The JSON API is checked here, in one middleware: a write that a browser sends with the login
  cookie needs the header. Calls with `Authorization: Bearer` carry no ambient credential and
  pass, and so do cookie calls from clients that are not browsers (no Origin, no Sec-Fetch-*),
  since forgery needs a victim's browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import cookie_parser

from livestall.errors import Forbidden

SEED_COOKIE = "livestall_csrf"
HEADER = "x-csrf-token"
FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def new_seed() -> str:
    """A fresh random seed for a browser that is not logged in."""
    return secrets.token_urlsafe(24)


def token_for(seed: str) -> str:
    """The CSRF token belonging to a seed (a login token or a seed cookie)."""
    digest = hashlib.sha256(b"livestall-csrf\0" + seed.encode()).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def seed_of(cookies: dict[str, str], session_cookie: str) -> str | None:
    """What this browser's token is derived from: its login cookie, else its seed cookie."""
    return cookies.get(session_cookie) or cookies.get(SEED_COOKIE) or None


def token_ok(cookies: dict[str, str], session_cookie: str, token: str | None) -> bool:
    """True when `token` belongs to this browser's cookies."""
    seed = seed_of(cookies, session_cookie)
    return bool(seed and token) and hmac.compare_digest(token_for(seed), token)


def is_browser(headers) -> bool:
    """Browsers send Origin with every form post and fetch, and Sec-Fetch-* besides."""
    return any(name in headers for name in ("origin", "sec-fetch-site", "sec-fetch-mode"))


def form_ok(headers, cookies: dict[str, str], session_cookie: str, token: str | None) -> bool:
    """Whether a page's form post may proceed.

    Always with a valid token. Without one, only a client that is not a browser and sends no
    cookie at all (an API client, maybe with a Bearer token): it has no victim whose cookies
    could be abused. A browser without a token is refused even with no cookie, which stops a
    forged login into someone else's account.
    """
    if token_ok(cookies, session_cookie, token):
        return True
    if "authorization" in headers:  # other sites cannot set it on a user's requests
        return True
    return not is_browser(headers) and seed_of(cookies, session_cookie) is None


def refusal() -> Forbidden:
    """The error of a write without a valid token."""
    err = Forbidden.field(FIELD, "csrf_token", "this form has expired or came from another site; reload the page")
    err.slug = "csrf"
    return err


def _cookies(raw: str) -> dict[str, str]:
    # Starlette's lenient parser, the one request.cookies uses: the routes see the same cookies.
    return cookie_parser(raw)


class CSRFMiddleware:
    """Refuses JSON-API writes that a browser sends with the login cookie but without the token."""

    def __init__(self, app, session_cookie: str = "livestall_session") -> None:
        self.app = app
        self.session_cookie = session_cookie

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or not self._refuse(scope):
            await self.app(scope, receive, send)
            return
        import json

        body = json.dumps(refusal().problem(scope.get("path"))).encode()
        await send({"type": "http.response.start", "status": 403, "headers": [
            (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _refuse(self, scope) -> bool:
        raw = scope.get("headers", ())
        # The common case first, cheaply: API clients with a Bearer token, or no login cookie at all.
        cookie_header = b""
        for key, value in raw:
            if key == b"authorization":
                return False
            if key == b"cookie":
                cookie_header += value + b"; "
        if self.session_cookie.encode() + b"=" not in cookie_header:
            return False
        cookies = _cookies(cookie_header.decode("latin-1"))
        if not cookies.get(self.session_cookie):
            return False
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in raw if key != b"cookie"}
        if token_ok(cookies, self.session_cookie, headers.get(HEADER)):
            return False
        if not scope.get("path", "").startswith("/api/") and headers.get("content-type", "").startswith(FORM_TYPES):
            return False  # a page's form: its route checks the field
        return is_browser(headers)
