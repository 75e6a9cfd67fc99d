"""The embed in Chromium on a merchant's page of another site: the loader's frame, add-to-cart to the merchant's
cart, commands both ways, a site not in the shop's list refused, and the player playing a real stream."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.helpers import register
from tests.media.support import have_media_tools, playlist, rtmp_publisher, stream_key
from tests.orders.support import top_up
from tests.web.conftest import DESKTOP, PHONE
from tests.web.support import live_world, until

EVENTS = ["livestall:ready", "livestall:play", "livestall:add-to-cart", "livestall:purchase", "livestall:volume",
          "livestall:status"]


class MerchantSite:
    """Another website on its own port: a page with the embed's script tag and a listener for its events."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the name http.server calls)
                body = site.pages.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args):
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # "localhost" is another site than the app's 127.0.0.1 (cookies, frame-ancestors), and the port differs
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def same_site_origin(self) -> str:
        """The same server as 127.0.0.1: the app's site on another port (the login cookie goes along)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def shop_page(self, path: str, app_url: str, show_id: int, cart: str = "host") -> str:
        self.pages[path] = f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Wool &amp; Co</title>
<style>body {{ font-family: sans-serif; margin: 12px; }}</style></head><body>
<h1>Wool &amp; Co</h1><p id="cart">Cart: empty</p>
<script>
window.received = [];
for (const type of {json.dumps(EVENTS)}) {{
  document.addEventListener(type, (e) => {{
    window.received.push({{ type, detail: e.detail, target: e.target.tagName }});
    if (type === "livestall:add-to-cart") document.getElementById("cart").textContent = "Cart: " + e.detail.title;
  }});
}}
</script>
<script src="{app_url}/embed.js" data-show="{show_id}" data-cart="{cart}" data-chat="true"></script>
<p>Free delivery over 50 EUR.</p></body></html>"""
        return f"{self.origin}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def merchant():
    site = MerchantSite()
    yield site
    site.close()


@pytest.fixture()
def world(api):
    return live_world(api)


def allow(api, world, origins: list[str]) -> None:
    saved = api.put(f"/api/v1/shops/{world['shop']['id']}/embed-origins", json={"origins": origins},
                    headers=world["host"].headers)
    assert saved.status_code == 200, saved.text


def received(page, type_: str) -> list[dict]:
    return [e["detail"] for e in page.evaluate("window.received") if e["type"] == type_]


def open_merchant_page(context, url: str):
    """A page of the merchant's site, its script errors kept, once the player in it says it is ready."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(url)
    until(page, "window.received.some((e) => e.type === 'livestall:ready')", timeout=30)
    return page


def player_frame(page):
    return next(f for f in page.frames if "/embed/shows/" in f.url)


def test_a_phone_adds_a_product_to_the_merchants_cart_from_the_embedded_show(
        chromium, app_server, api, world, merchant, screenshot):
    allow(api, world, [merchant.origin])
    url = merchant.shop_page("/", app_server.url, world["show"]["id"])
    context = chromium.new_context(**PHONE, locale="en-US")
    try:
        page = open_merchant_page(context, url)
        ready = received(page, "livestall:ready")[0]
        assert ready["show_id"] == world["show"]["id"] and ready["status"] == "live" and ready["cart"] == "host"
        frame = player_frame(page)
        card = frame.locator("[data-shelf-items] li", has_text="Hand-knitted wool scarf")
        card.wait_for(timeout=20_000)
        box = page.locator("iframe").bounding_box()
        assert box["width"] <= 390 and box["height"] >= 480  # the frame fits the phone, in the shape of a phone
        screenshot(page, "embed-phone-merchant")
        card.locator("[data-option]").select_option("M")
        # Dispatched on the button: a pointer click aimed into this cross-site frame (its own renderer process) under
        # phone emulation sometimes lands outside it (no click reaches the frame's document at all).
        card.get_by_role("button", name="Buy now").dispatch_event("click")
        until(page, "window.received.some((e) => e.type === 'livestall:add-to-cart')")
        added = received(page, "livestall:add-to-cart")[0]
        scarf = world["scarf"]
        variant = next((v for v in scarf.get("variants", []) if v["label"] == "M"), None)  # when options are variants
        assert {k: added[k] for k in ("product_id", "variant_id", "quantity", "title", "price_minor", "currency",
                                      "sku", "option")} == {
            "product_id": scarf["id"], "variant_id": variant["id"] if variant else None, "quantity": 1,
            "title": "Hand-knitted wool scarf",
            "price_minor": (variant or {}).get("price_minor") or scarf["price"]["amount_minor"],
            "currency": scarf["price"]["currency"], "sku": variant["sku"] if variant else scarf["sku"], "option": "M"}
        assert page.locator("#cart").inner_text() == "Cart: Hand-knitted wool scarf"
        assert page.evaluate("window.received.every((e) => e.target === 'SCRIPT')")  # dispatched on the tag
        assert frame.locator("[data-embed-note]").inner_text() == "Added to the shop's cart."
        assert page.context.pages == [page]  # nothing bought, no tab opened: the merchant's cart has it

        # commands from the merchant's page reach the player, and its answer comes back
        page.evaluate("document.querySelector('script[data-show]').livestall.unmute()")
        until(page, "window.received.some((e) => e.type === 'livestall:volume' && e.detail.muted === false)")
        page.evaluate("""document.querySelector('script[data-show]').dispatchEvent(
            new CustomEvent('livestall:command', { detail: { type: 'livestall:mute' } }))""")
        until(page, "window.received.some((e) => e.type === 'livestall:volume' && e.detail.muted === true)")
        assert frame.evaluate("document.getElementById('video').muted") is True
        screenshot(page, "embed-phone-added")
        assert page.errors == []
    finally:
        context.close()


def test_a_website_not_in_the_shops_list_gets_no_player(chromium, app_server, api, world, merchant):
    allow(api, world, ["https://shop.example"])  # not the merchant's site
    url = merchant.shop_page("/", app_server.url, world["show"]["id"])
    context = chromium.new_context(**DESKTOP)
    try:
        page = context.new_page()
        blocked = []
        page.on("console", lambda m: blocked.append(m.text) if "frame-ancestors" in m.text else None)
        page.goto(url)
        page.locator("iframe").wait_for()
        page.wait_for_timeout(2500)
        assert page.evaluate("window.received") == []
        embedded = [f for f in page.frames if f is not page.main_frame]
        assert all(f.evaluate("!document.querySelector('[data-stage]')") for f in embedded if
                   not f.url.startswith("chrome-error:"))
        assert any("frame-ancestors" in text for text in blocked)
    finally:
        context.close()


def test_a_logged_in_viewer_buys_inside_the_player_and_the_merchant_hears_of_it(
        chromium, app_server, api, database_url, world, merchant):
    viewer = register(api, display_name="Emily")
    top_up(api, database_url, viewer, 100_000)
    address = {"name": "Emily Stone", "line1": "1 Quay Street", "city": "Dublin", "postal_code": "D02 X285",
               "country": "IE"}
    assert api.post("/api/v1/me/addresses", json=address, headers=viewer.headers).status_code == 201
    allow(api, world, [merchant.same_site_origin])
    merchant.shop_page("/buy", app_server.url, world["show"]["id"], cart="player")
    context = chromium.new_context(**PHONE)
    context.add_cookies([{"name": "livestall_session", "value": viewer.token, "url": app_server.url,
                          "httpOnly": True, "sameSite": "Lax"}])
    try:
        page = open_merchant_page(context, f"{merchant.same_site_origin}/buy")
        card = player_frame(page).locator("[data-shelf-items] li", has_text="Hand-knitted wool scarf")
        card.get_by_role("button", name="Buy now").click()
        until(page, "window.received.some((e) => e.type === 'livestall:purchase')")
        bought = received(page, "livestall:purchase")[0]
        orders = api.get("/api/v1/me/orders", headers=viewer.headers).json()["items"]
        assert [(o["ref"], o["status"], o["product_id"]) for o in orders] == \
            [(bought["order_ref"], "paid", world["scarf"]["id"])]
        assert bought["total"]["amount_minor"] == world["scarf"]["price"]["amount_minor"] \
            == orders[0]["total"]["amount_minor"]
        assert bought["status"] == "paid" and bought["quantity"] == 1
        assert received(page, "livestall:add-to-cart") == []  # bought here: the merchant's cart is not asked
    finally:
        context.close()


def test_the_embedded_player_plays_a_live_stream_and_says_so(chromium, app_server, api, world, merchant):
    if have_media_tools():
        pytest.skip(have_media_tools())
    allow(api, world, [merchant.origin])
    ingest = f"rtmp://127.0.0.1:{app_server.rtmp_port}/live/{world['show']['id']}"
    publisher = rtmp_publisher(f"{ingest}?key={stream_key(api, world['host'])}", size="360x640")
    context = chromium.new_context(**DESKTOP)
    try:
        deadline = time.monotonic() + 30
        while not playlist(api, world["show"]["id"]):
            assert time.monotonic() < deadline, "no HLS playlist from the test stream"
            time.sleep(0.3)
        page = context.new_page()
        page.goto(merchant.shop_page("/live", app_server.url, world["show"]["id"], cart="player"))
        until(page, "window.received.some((e) => e.type === 'livestall:play')", timeout=40)
        assert received(page, "livestall:play")[0] == {"show_id": world["show"]["id"], "status": "live"}
        frame = player_frame(page)
        assert frame.evaluate("document.getElementById('video').currentTime") > 0

        # once the show has ended, the same tag plays its replay
        page.wait_for_timeout(2000)
        ended = api.post(f"/api/v1/shows/{world['show']['id']}/end", headers=world["host"].headers)
        assert ended.status_code == 200, ended.text
        until(page, "window.received.some((e) => e.type === 'livestall:status' && e.detail.status === 'ended')")
        deadline = time.monotonic() + 30
        while api.get(f"/api/v1/shows/{world['show']['id']}/replay").status_code != 200:
            assert time.monotonic() < deadline, "the replay never became ready"
            time.sleep(0.5)
        page.reload()
        until(page, "window.received.some((e) => e.type === 'livestall:play')", timeout=30)
        assert received(page, "livestall:play")[0] == {"show_id": world["show"]["id"], "status": "replay"}
        assert player_frame(page).locator("[data-badge]").inner_text() == "REPLAY"
    finally:
        context.close()
        publisher.kill()
        publisher.wait()
