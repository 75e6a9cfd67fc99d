"""Buying in the embedded player on a merchant's website of another site: the sign-in popup's token (one show, one
website, a few minutes, revoked by logout) over HTTP and the room socket, and in Chromium on a phone: tap Buy now,
sign in in the popup, the order is made; a reload signs in again in one tap; a blocked popup and a lapsed token."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import datetime, timezone

import pytest
from websockets.sync.client import connect

from tests.helpers import PASSWORD, register
from tests.helpers_db import run_sql
from tests.orders.support import ADDRESS, top_up
from tests.web.conftest import PHONE
from tests.web.support import live_world, until
from tests.web.test_embed_browser import MerchantSite, allow, open_merchant_page, player_frame, received

SHOP_SITE = "https://shop.example"


@pytest.fixture()
def world(api):
    return live_world(api)


@pytest.fixture()
def merchant():
    site = MerchantSite()
    yield site
    site.close()


def embed_token(api, actor, show_id: int, origin: str = SHOP_SITE):
    """What the sign-in popup asks for, with the popup's login."""
    return api.post("/api/v1/embed/tokens", json={"show_id": show_id, "origin": origin}, headers=actor.headers)


def signed(token: str, origin: str | None = SHOP_SITE) -> dict:
    """The headers of the player's calls: its token, and the website it says it is framed by."""
    return {"Authorization": f"Bearer {token}", **({"X-Livestall-Embed-Origin": origin} if origin else {})}


def buy_with(api, token: str, show_id: int, product_id: int, origin: str | None = SHOP_SITE):
    body = {"product_id": product_id, "quantity": 1, "option": "M", "pay_with": "wallet", "shipping": ADDRESS}
    return api.post(f"/api/v1/shows/{show_id}/buy", json=body,
                    headers={**signed(token, origin), "Idempotency-Key": uuid.uuid4().hex})


def orders_of(api, actor) -> list[dict]:
    return api.get("/api/v1/me/orders", headers=actor.headers).json()["items"]


def rule_of(response) -> str:
    return response.json()["errors"][0]["rule"]


@pytest.fixture()
def buyer(api, database_url):
    viewer = register(api, display_name="Emily")
    top_up(api, database_url, viewer, 100_000)
    assert api.post("/api/v1/me/addresses", json=ADDRESS, headers=viewer.headers).status_code == 201
    return viewer


# -- over HTTP and the room socket ------------------------------------------------------------------------

def test_a_token_for_a_listed_website_buys_in_its_show_as_the_user(api, world, buyer):
    allow(api, world, [SHOP_SITE])
    show_id, scarf = world["show"]["id"], world["scarf"]
    opened = embed_token(api, buyer, show_id, "HTTPS://Shop.Example/")
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert (body["show_id"], body["origin"]) == (show_id, SHOP_SITE)
    minutes = (datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")) - datetime.now(timezone.utc))
    assert 9 * 60 < minutes.total_seconds() <= 10 * 60  # a few minutes, not a login of 30 days

    token = body["token"]
    assert api.get("/api/v1/me", headers=signed(token)).json()["id"] == buyer.id
    assert [a["line1"] for a in api.get("/api/v1/me/addresses", headers=signed(token)).json()["items"]] == \
        [ADDRESS["line1"]]
    bought = buy_with(api, token, show_id, scarf["id"])
    assert bought.status_code == 201, bought.text
    assert [(o["ref"], o["status"], o["product_id"]) for o in orders_of(api, buyer)] == \
        [(bought.json()["ref"], "paid", scarf["id"])]


def test_a_token_is_refused_for_another_show_and_another_website_and_is_no_login_elsewhere(api, app_server, world,
                                                                                          buyer):
    allow(api, world, [SHOP_SITE])
    token = embed_token(api, buyer, world["show"]["id"]).json()["token"]
    other = live_world(api)
    allow(api, other, [SHOP_SITE])

    elsewhere = buy_with(api, token, other["show"]["id"], other["scarf"]["id"])
    assert elsewhere.status_code == 403 and rule_of(elsewhere) == "embed_token_show", elsewhere.text
    assert f"show {world['show']['id']} only" in elsewhere.json()["detail"]
    another_site = buy_with(api, token, world["show"]["id"], world["scarf"]["id"], origin="https://evil.example")
    assert another_site.status_code == 403 and rule_of(another_site) == "embed_token_origin"
    unsaid = buy_with(api, token, world["show"]["id"], world["scarf"]["id"], origin=None)
    assert unsaid.status_code == 403 and rule_of(unsaid) == "embed_token_origin"
    assert orders_of(api, buyer) == []  # nothing was bought by the refused calls

    # anything but buying in its show: the token logs nobody in
    assert api.get("/api/v1/me/orders", headers=signed(token)).status_code == 401
    assert api.patch("/api/v1/me", json={"display_name": "Mallory"}, headers=signed(token)).status_code == 401
    assert api.post("/api/v1/embed/tokens", json={"show_id": world["show"]["id"], "origin": SHOP_SITE},
                    headers=signed(token)).status_code == 401  # nor does it give itself a new one
    assert api.get("/api/v1/me", headers=buyer.headers).json()["display_name"] == "Emily"

    # the room socket takes it for no login either: the player joins as anyone does
    with connect(f"{app_server.ws_base}/ws/shows/{world['show']['id']}?token={token}", origin=app_server.url,
                 open_timeout=10) as ws:
        snapshot = json.loads(ws.recv(timeout=10))
    assert snapshot["type"] == "snapshot" and snapshot["data"]["you"] is None


def test_a_token_is_given_only_for_a_website_the_shop_lists_and_a_show_that_exists(api, world, buyer):
    allow(api, world, [SHOP_SITE, "https://*.brand.example"])
    show_id = world["show"]["id"]
    assert api.post("/api/v1/embed/tokens", json={"show_id": show_id, "origin": SHOP_SITE}).status_code == 401
    refused = embed_token(api, buyer, show_id, "https://evil.example")
    assert refused.status_code == 403 and rule_of(refused) == "embed_origin_allowed", refused.text
    assert refused.json()["errors"][0]["field"] == "origin"
    assert embed_token(api, buyer, show_id, "https://eu.brand.example").status_code == 201
    star = embed_token(api, buyer, show_id, "https://*.brand.example")  # a rule of the list, never a page
    assert star.status_code == 403 and rule_of(star) == "embed_origin_allowed"
    bad = embed_token(api, buyer, show_id, "https://shop.example/checkout")
    assert bad.status_code == 422 and bad.json()["errors"][0] == {
        "field": "origin", "rule": "origin_no_path",
        "message": "an origin is scheme://host[:port] only: no path, query or user name"}
    assert embed_token(api, buyer, 10_000_000).status_code == 404


def test_a_lapsed_token_and_a_logout_end_buying(api, database_url, world, buyer):
    allow(api, world, [SHOP_SITE])
    show_id, scarf = world["show"]["id"], world["scarf"]
    lapsed = embed_token(api, buyer, show_id).json()["token"]
    run_sql(database_url, "UPDATE login_sessions SET expires_at = created_at WHERE token_hash = :h",
            h=hashlib.sha256(lapsed.encode()).hexdigest())
    assert buy_with(api, lapsed, show_id, scarf["id"]).status_code == 401

    # a logout of the login that asked for it revokes it (and the popup's next token is a new one)
    popup = register(api)
    popup_login = api.post("/api/v1/auth/login", json={"email": popup.email, "password": PASSWORD}).json()["token"]
    api.cookies.clear()
    top_up(api, database_url, popup, 100_000)
    token = api.post("/api/v1/embed/tokens", json={"show_id": show_id, "origin": SHOP_SITE},
                     headers={"Authorization": f"Bearer {popup_login}"}).json()["token"]
    assert buy_with(api, token, show_id, scarf["id"]).status_code == 201
    assert api.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {popup_login}"}).status_code == 204
    assert buy_with(api, token, show_id, scarf["id"]).status_code == 401
    assert len(orders_of(api, popup)) == 1
    assert api.get("/api/v1/me", headers=popup.headers).status_code == 200  # their other logins go on


def test_the_popup_page_sends_a_visitor_to_log_in_and_back(api, world, buyer):
    path = f"/embed/signed-in?show={world['show']['id']}&origin=https%3A%2F%2Fshop.example"
    first = api.get(path)
    assert first.status_code == 303
    login = api.get(first.headers["location"])
    assert login.status_code == 200 and 'name="next" value="' + path.replace("&", "&amp;") + '"' in login.text
    page = api.get(path, headers=buyer.headers)
    assert page.status_code == 200
    assert f'data-show="{world["show"]["id"]}" data-origin="https://shop.example"' in page.text


# -- in Chromium, on a phone ------------------------------------------------------------------------------

def closes_by_itself(page, popup, timeout: float = 20.0) -> None:
    """Wait until the popup has closed (it may be gone before a wait for its "close" event could start)."""
    deadline = time.monotonic() + timeout
    while not popup.is_closed():
        assert time.monotonic() < deadline, "the sign-in popup stayed open"
        page.wait_for_timeout(100)


def sign_in_in(page, popup, email: str) -> None:
    popup.wait_for_load_state()
    popup.fill("input[name=email]", email)
    popup.fill("input[name=password]", PASSWORD)
    popup.locator("form button[type=submit]").last.click()
    closes_by_itself(page, popup)  # it handed the token over, then closed itself


def tap_buy(page, touch: bool = True):
    card = player_frame(page).locator("[data-shelf-items] li", has_text="Hand-knitted wool scarf")
    card.wait_for(timeout=20_000)
    card.locator("[data-option]").select_option("M")
    buy = card.locator("[data-buy]")
    buy.tap() if touch else buy.click()


def test_a_phone_signs_in_from_the_player_on_another_website_and_buys(
        chromium, app_server, api, database_url, world, buyer, merchant, screenshot):
    allow(api, world, [merchant.origin])
    url = merchant.shop_page("/live", app_server.url, world["show"]["id"], cart="player")
    context = chromium.new_context(**PHONE, locale="en-US")
    try:
        page = open_merchant_page(context, url)
        with context.expect_page() as opened:
            tap_buy(page)
        popup = opened.value
        note = player_frame(page).locator("[data-embed-note]")
        assert "window that opened" in note.inner_text()
        screenshot(popup, "embed-buying-popup-phone")
        sign_in_in(page, popup, buyer.email)
        until(page, "window.received.some((e) => e.type === 'livestall:purchase')", timeout=20)
        bought = received(page, "livestall:purchase")[0]
        orders = orders_of(api, buyer)
        assert [(o["ref"], o["status"], o["product_id"]) for o in orders] == \
            [(bought["order_ref"], "paid", world["scarf"]["id"])]
        assert bought["total"]["amount_minor"] == orders[0]["total"]["amount_minor"]
        assert bought["order_ref"] in note.inner_text()  # the confirmation, in the player
        screenshot(page, "embed-buying-bought-phone")

        # a reload forgets it; one tap signs in again (the popup closes at once: the browser is logged in here)
        page.reload()
        until(page, "window.received.some((e) => e.type === 'livestall:ready')", timeout=30)
        with context.expect_page() as opened:
            tap_buy(page)
        closes_by_itself(page, opened.value)
        until(page, "window.received.some((e) => e.type === 'livestall:purchase')", timeout=20)
        assert len(orders_of(api, buyer)) == 2

        # a lapsed token: the next tap opens the sign-in again and then buys
        run_sql(database_url, "UPDATE login_sessions SET expires_at = created_at WHERE user_id = :u "
                "AND user_agent LIKE 'livestall-embed%'", u=buyer.id)
        time.sleep(5.5)  # the server takes a known token on trust for 5 s
        with context.expect_page() as opened:
            tap_buy(page)
        closes_by_itself(page, opened.value)
        until(page, "window.received.filter((e) => e.type === 'livestall:purchase').length === 2", timeout=20)
        assert len(orders_of(api, buyer)) == 3
        assert page.errors == []
    finally:
        context.close()


def test_a_blocked_popup_is_said_with_a_button_to_try_again(chromium, app_server, api, world, buyer, merchant):
    allow(api, world, [merchant.origin])
    url = merchant.shop_page("/blocked", app_server.url, world["show"]["id"], cart="player")
    context = chromium.new_context(**PHONE, locale="en-US")
    # the browser's popup blocker, as it refuses the first window: window.open answers null
    context.add_init_script("""{ const open = window.open; let refusals = 1;
        window.open = function (...args) { return refusals-- > 0 ? null : open.apply(this, args); }; }""")
    try:
        page = context.new_page()
        page.goto(url)
        until(page, "window.received.some((e) => e.type === 'livestall:ready')", timeout=30)
        tap_buy(page)
        note = player_frame(page).locator("[data-embed-note]")
        retry = note.get_by_role("button", name="Try again")
        retry.wait_for(timeout=10_000)
        assert "sign-in window was blocked" in note.inner_text()
        assert note.get_by_role("link").get_attribute("href") == \
            f"/shows/{world['show']['id']}?buy={world['scarf']['id']}"
        # No screenshot of this note: after one, Chromium sometimes routes the next tap to the parent page's <iframe>
        # element instead of into the cross-site player, and "Try again" never hears it (a test artifact, 1 run in 5).
        with context.expect_page() as opened:
            retry.tap()
        sign_in_in(page, opened.value, buyer.email)
        until(page, "window.received.some((e) => e.type === 'livestall:purchase')", timeout=20)
        assert len(orders_of(api, buyer)) == 1
    finally:
        context.close()


def test_a_website_taken_off_the_list_meanwhile_gets_no_token_and_both_windows_say_so(
        chromium, app_server, api, world, merchant, screenshot):
    buyer = register(api, display_name="Layla", language="ar")
    allow(api, world, [merchant.origin])
    url = merchant.shop_page("/gone", app_server.url, world["show"]["id"], cart="player")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    # logged in on Livestall already: the popup asks for the token at once
    context.add_cookies([{"name": "livestall_session", "value": buyer.token, "url": app_server.url,
                          "httpOnly": True, "sameSite": "Lax"}])
    try:
        page = context.new_page()
        page.goto(url)
        until(page, "window.received.some((e) => e.type === 'livestall:ready')", timeout=30)
        allow(api, world, ["https://shop.example"])  # the shop takes the merchant's website off its list
        with context.expect_page() as opened:
            tap_buy(page, touch=False)
        popup = opened.value
        refusal = popup.locator("[data-step=refused]")
        refusal.wait_for(timeout=15_000)
        assert popup.locator("html").get_attribute("dir") == "rtl"
        assert refusal.inner_text() == ("لا يسمح هذا المتجر بالشراء من مشغّله على هذا الموقع. "
                                        "اشترِ من Livestall بدلًا من ذلك.")
        assert popup.get_by_role("button", name="أغلق هذه النافذة").is_visible()
        screenshot(popup, "embed-buying-refused-popup-ar")
        note = player_frame(page).locator("[data-embed-note]")
        note.get_by_role("link").wait_for(timeout=10_000)
        assert note.inner_text().startswith("لا يسمح هذا المتجر بالشراء من مشغّله على هذا الموقع.")
        screenshot(page, "embed-buying-refused-desktop-ar")
        assert orders_of(api, buyer) == []
        with popup.expect_event("close", timeout=10_000):
            popup.get_by_role("button", name="أغلق هذه النافذة").click()
    finally:
        context.close()
