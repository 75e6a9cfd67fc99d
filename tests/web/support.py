"""A browser-like HTTP client for page tests: cookies, a language, and the CSRF token of the last page."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Error as PlaywrightError

from tests.helpers import PASSWORD, make_product, make_shop, make_show, register, unique

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class Browser:
    """Sends what a browser sends: its cookies, Accept-Language, and Origin on posts."""

    def __init__(self, base_url: str, language: str = "en") -> None:
        self.base_url = base_url
        self.client = httpx.Client(base_url=base_url, timeout=30, headers={"Accept-Language": language})
        self.token = ""

    def get(self, path: str, **kwargs) -> httpx.Response:
        response = self.client.get(path, **kwargs)
        found = TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, *, token: bool = True, files=None, **kwargs) -> httpx.Response:
        """A form post from one of our pages (with its token), or a forged one (token=False)."""
        if not self.token and token:
            self.get("/")
        fields = {**(data or {}), **({"csrf_token": self.token} if token else {})}
        return self.client.post(path, data=fields, files=files, headers={"Origin": self.base_url}, **kwargs)

    def log_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password, "next": "/"})
        assert response.status_code == 303, response.text
        return response

    def close(self) -> None:
        self.client.close()


def lang_of(html: str) -> tuple[str, str]:
    """(lang, dir) of a page's <html> element."""
    found = re.search(r'<html lang="(\w+)" dir="(\w+)">', html)
    assert found, html[:200]
    return found.group(1), found.group(2)


def live_world(api: httpx.Client, **show_fields) -> dict:
    """A seller-host with a shop, two products, and a live show with one product pinned."""
    host = register(api, roles=["seller", "host"], display_name=unique("Host"))
    shop = make_shop(api, host, name=unique("Wardrobe"))
    scarf = make_product(api, host, shop["id"], title="Hand-knitted wool scarf", stock=40,
                         options=["S", "M"])
    cardigan = make_product(api, host, shop["id"], title="Yak wool cardigan", price_minor=58800, stock=8)
    show = make_show(api, host, shop["id"], title=unique("Winter wool"), minutes_ahead=5, **show_fields)
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
    pinned = api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": scarf["id"]}, headers=host.headers)
    assert pinned.status_code == 200, pinned.text
    return {"host": host, "shop": shop, "scarf": scarf, "cardigan": cardigan, "show": show}


# True once no open sheet (dialog) is mid-animation: a 44 px control measured mid-slide is a pixel short.
SHEETS_SETTLED = """[...document.querySelectorAll('dialog[open]')].every((d) => d.getAnimations({ subtree: true })
  .every((a) => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity))"""


def until(page, expression: str, timeout: float = 15.0):
    """Wait until `expression` is true in the page (no wait_for_function: the CSP forbids string eval)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError:  # the page is navigating: ask the next one
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout}s: {expression}")
        page.wait_for_timeout(100)


def logged_in_page(browser, base_url: str, actor, path: str, **context_options):
    """A page of a fresh context (closed by the caller) logged in as `actor` at `path`; page errors in `.errors`."""
    context = browser.new_context(base_url=base_url, **context_options)
    context.add_cookies([{"name": "livestall_session", "value": actor.token, "url": base_url, "httpOnly": True,
                          "sameSite": "Lax"}])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(path)
    return context, page
