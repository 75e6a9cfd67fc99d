"""Selling after the show and from the shop, in Chromium on a 390x844 touch phone and on a desktop: buying from a
replay at a product's chapter (normal price, not the show's flash price), from the product and shop pages, and the
shop admin scheduling a flash sale that the studio then shows, where "End now" asks first."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.helpers import make_product, make_shop, make_show, register, unique
from tests.media.support import have_media_tools, rtmp_publisher, stream_key, wait_for
from tests.helpers_db import make_operator
from tests.web.support import logged_in_page, until

pytestmark = pytest.mark.slow
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LAYOUTS = {"phone": PHONE, "desktop": DESKTOP}
ADDRESS = {"name": "Wang Fang", "line1": "88 Nanjing Road", "city": "Shanghai", "postal_code": "200001",
           "country": "CN"}


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


@pytest.fixture()
def open_page(chromium, app_server):
    """A logged-in page in the phone or desktop layout; its context is closed after the test."""
    contexts = []

    def open_(actor, path: str, layout: str):
        context, page = logged_in_page(chromium, app_server.url, actor, path, locale="en-GB", **LAYOUTS[layout])
        contexts.append(context)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def operator(api, app_server):
    """Made before the browser starts: it writes to the database with a loop of its own."""
    return make_operator(api, app_server.database_url)


def buyer_with_money(api, operator, amount_minor: int = 200_000):
    buyer = register(api, display_name=unique("Li"), currency="CNY")
    response = api.post(f"/api/v1/users/{buyer.id}/wallet/topups", headers=operator.headers,
                        json={"amount_minor": amount_minor, "currency": "CNY"})
    assert response.status_code == 201, response.text
    return buyer


def tap(page, locator, layout: str):
    if layout == "phone":
        locator.tap()
    else:
        locator.click()


def fits_the_phone(page, layout: str):
    if layout == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for box in page.locator("[data-buy-sheet][open] button:visible").evaluate_all(
                "nodes => nodes.map(n => n.getBoundingClientRect().height)"):
            assert box >= 44


def fill_address(page):
    sheet = page.locator("[data-buy-sheet]")
    for name, value in ADDRESS.items():
        sheet.locator(f"[data-sheet-address-form] [name={name}]").fill(value)


def my_orders(api, buyer) -> list[dict]:
    return api.get("/api/v1/me/orders", headers=buyer.headers).json()["items"]


# -- the replay ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def replay(app_server, api):
    """A show streamed over RTMP in which a scarf then a cardigan were pinned (the scarf on a flash sale), ended."""
    missing = have_media_tools()
    if missing:
        pytest.skip(missing)
    host = register(api, roles=["seller", "host"], display_name=unique("Mei"))
    shop = make_shop(api, host, name=unique("Wardrobe"))
    scarf = make_product(api, host, shop["id"], title="Hand-knitted wool scarf", price_minor=12800, stock=20)
    cardigan = make_product(api, host, shop["id"], title="Yak wool cardigan", price_minor=58800, stock=6,
                            options=["S", "M"])
    show = make_show(api, host, shop["id"], title=unique("Winter wool"), minutes_ahead=5)
    publisher = rtmp_publisher(f"rtmp://127.0.0.1:{app_server.rtmp_port}/live/{show['id']}?key={stream_key(api, host)}")
    try:
        wait_for(lambda: api.get(f"/api/v1/shows/{show['id']}").json()["status"] == "live", timeout=30,
                 what="the show live")
        time.sleep(3)
        for product in (scarf, cardigan):
            pinned = api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": product["id"]},
                              headers=host.headers)
            assert pinned.status_code == 200, pinned.text
            if product is scarf:
                sale = api.post(f"/api/v1/shows/{show['id']}/flash-sales", headers=host.headers, json={
                    "product_id": scarf["id"], "duration_s": 600, "sale_price_minor": 5000, "units": 2})
                assert sale.status_code == 201, sale.text
            time.sleep(4)
        assert api.post(f"/api/v1/shows/{show['id']}/end", headers=host.headers).status_code == 200
        chapters = wait_for(lambda: (r := api.get(f"/api/v1/shows/{show['id']}/replay")).status_code == 200
                            and r.json()["chapters"], timeout=30, what="the replay's chapters")
    finally:
        publisher.kill()
        publisher.wait()
    at = {c["product_id"]: c["at_s"] for c in chapters if c["kind"] == "product"}
    assert at[scarf["id"]] < at[cardigan["id"]]
    return {"host": host, "shop": shop, "show": show, "scarf": scarf, "cardigan": cardigan, "at": at}


@pytest.mark.parametrize("layout", ["phone", "desktop"])
def test_a_viewer_buys_from_the_replay_at_a_chapter_at_the_normal_price(api, operator, replay, open_page, layout,
                                                                         screenshot):
    buyer = buyer_with_money(api, operator)
    show, scarf, cardigan = replay["show"], replay["scarf"], replay["cardigan"]
    page = open_page(buyer, f"/shows/{show['id']}/replay", layout)
    until(page, "document.querySelectorAll('[data-chapter-product] [data-buy]').length === 2")
    chapter = page.locator("[data-chapters] li", has_text="Yak wool cardigan")
    assert "CN¥588.00" in chapter.locator("[data-chapter-product]").inner_text()
    # the cardigan's chapter: the video jumps there and the card under it shows the cardigan
    tap(page, chapter.locator("button.secondary"), layout)
    until(page, f"document.querySelector('[data-replay-product]').dataset.productId === '{cardigan['id']}'")
    until(page, f"document.getElementById('video').currentTime >= {replay['at'][cardigan['id']] - 0.5}")
    now_card = page.locator("[data-replay-product]")
    assert "Yak wool cardigan" in now_card.inner_text() and "CN¥588.00" in now_card.inner_text()
    assert "Only 6 left" not in now_card.inner_text()  # 6 is above the "only N left" line
    screenshot(page, f"replay-products-{layout}")

    tap(page, now_card.locator("[data-buy]"), layout)
    sheet = page.locator("[data-buy-sheet]")
    until(page, "document.querySelector('[data-buy-sheet]').open")
    assert sheet.locator("[data-sheet-title]").inner_text() == "Yak wool cardigan"
    tap(page, sheet.locator("[data-sheet-buy]"), layout)  # no option chosen yet
    until(page, "document.querySelector('[data-sheet-error-for=option]').textContent === 'Choose an option.'")
    tap(page, sheet.locator(".chip", has_text="M"), layout)
    tap(page, sheet.locator("[data-sheet-more]"), layout)
    assert sheet.locator("[data-sheet-total]").inner_text() == "CN¥1,176.00"
    fill_address(page)
    fits_the_phone(page, layout)
    screenshot(page, f"replay-buy-sheet-{layout}")
    tap(page, sheet.locator("[data-sheet-buy]"), layout)
    until(page, "!document.querySelector('[data-sheet-result]').hidden")
    assert sheet.locator("[data-sheet-result-text]").inner_text().startswith("Bought! Order LS")

    [order] = my_orders(api, buyer)
    assert (order["status"], order["quantity"], order["option"], order["show_id"], order["flash_sale_id"]) == \
        ("paid", 2, "M", None, None)
    assert order["total"]["amount_minor"] == 2 * 58800
    # the scarf: its chapter sells at the list price, not the 50.00 it had in the show's flash sale
    tap(page, sheet.locator("button.close"), layout)
    scarf_row = page.locator("[data-chapters] li", has_text="Hand-knitted wool scarf").locator("[data-chapter-product]")
    assert "CN¥128.00" in scarf_row.inner_text() and "CN¥50.00" not in scarf_row.inner_text()
    tap(page, scarf_row.locator("[data-buy]"), layout)
    until(page, "document.querySelector('[data-buy-sheet]').open"
                " && !document.querySelector('[data-sheet-address-summary]').hidden")
    assert "Wang Fang" in sheet.locator("[data-sheet-address-text]").inner_text()  # the address it was sent to last
    tap(page, sheet.locator("[data-sheet-buy]"), layout)
    until(page, "!document.querySelector('[data-sheet-result]').hidden")
    orders = my_orders(api, buyer)
    assert [(o["product_id"], o["total"]["amount_minor"]) for o in orders] == [(scarf["id"], 12800),
                                                                             (cardigan["id"], 2 * 58800)]
    page.goto("/account/orders")
    for o in orders:
        assert o["ref"] in page.content()
    assert page.errors == []


# -- the product and shop pages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["phone", "desktop"])
def test_a_viewer_buys_from_the_product_page_and_the_shop_page(api, operator, open_page, layout, screenshot):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller, name=unique("Wardrobe"))
    product = make_product(api, seller, shop["id"], title="Yak wool cardigan", price_minor=58800, stock=3,
                           options=["S", "M"], description="Hand-made in Tianshui.")
    scarf = make_product(api, seller, shop["id"], title="Hand-knitted wool scarf", price_minor=12800, stock=9)
    upcoming = make_show(api, seller, shop["id"], title=unique("Wool night"), minutes_ahead=45)
    api.post(f"/api/v1/shows/{upcoming['id']}/flash-sales", headers=seller.headers, json={
        "product_id": scarf["id"], "starts_at": (datetime.now(timezone.utc) + timedelta(minutes=50)).isoformat(),
        "duration_s": 300, "sale_price_minor": 9900, "units": 1}).raise_for_status()
    buyer = buyer_with_money(api, operator)

    page = open_page(buyer, f"/products/{product['id']}", layout)
    until(page, "window.livestallSelling")
    assert page.locator("h1").inner_text() == "Yak wool cardigan"
    assert page.locator(f"[data-stock-for='{product['id']}']").inner_text() == "Only 3 left"
    screenshot(page, f"product-page-{layout}")
    tap(page, page.locator("[data-buy-product]"), layout)
    sheet = page.locator("[data-buy-sheet]")
    until(page, "document.querySelector('[data-buy-sheet]').open")
    tap(page, sheet.locator(".chip", has_text="S"), layout)
    sheet.locator("[data-sheet-quantity]").fill("4")
    tap(page, sheet.locator("[data-sheet-buy]"), layout)
    until(page, "document.querySelector('[data-sheet-error-for=quantity]').textContent"
                " === 'Enter a quantity from 1 to 3.'")
    sheet.locator("[data-sheet-quantity]").fill("3")
    fill_address(page)
    sheet.locator("[data-sheet-address-form] [name=postal_code]").fill("!")
    tap(page, sheet.locator("[data-sheet-buy]"), layout)  # the server names the field; nothing is ordered
    until(page, "!document.querySelector('[data-sheet-error-for=\"shipping.postal_code\"]').hidden")
    assert my_orders(api, buyer) == []
    sheet.locator("[data-sheet-address-form] [name=postal_code]").fill("200001")
    fits_the_phone(page, layout)
    tap(page, sheet.locator("[data-sheet-buy]"), layout)
    until(page, "!document.querySelector('[data-sheet-result]').hidden")
    until(page, f"document.querySelector(\"[data-stock-for='{product['id']}']\").textContent === 'Sold out'")
    assert page.locator("[data-buy-product]").is_disabled()
    [order] = my_orders(api, buyer)
    assert (order["quantity"], order["option"], order["status"], order["total"]["amount_minor"]) == \
        (3, "S", "paid", 3 * 58800)

    # the shop page: the scarf's buy button, and the scarf's own page lists the show it will be on sale in
    page.goto(f"/shops/{shop['id']}")
    until(page, "window.livestallSelling")
    card = page.locator(f"#product-{scarf['id']}")
    assert "CN¥128.00" in card.inner_text()
    tap(page, card.locator("[data-buy-product]"), layout)
    until(page, "document.querySelector('[data-buy-sheet]').open"
                " && !document.querySelector('[data-sheet-address-summary]').hidden")
    assert sheet.locator("[data-sheet-total]").inner_text() == "CN¥128.00"
    screenshot(page, f"shop-buy-sheet-{layout}")
    tap(page, sheet.locator("[data-sheet-buy]"), layout)
    until(page, "!document.querySelector('[data-sheet-result]').hidden")
    assert my_orders(api, buyer)[0]["product_id"] == scarf["id"]
    page.goto(f"/products/{scarf['id']}")
    assert upcoming["title"] in page.locator("#featuring-title + .grid").inner_text()
    page.goto("/account/orders")
    assert order["ref"] in page.content()
    assert page.errors == []


# -- the shop admin's flash sales, and the studio's "End now" -------------------------------------------------------

@pytest.mark.parametrize("layout", ["phone", "desktop"])
def test_the_shop_admin_schedules_a_flash_sale_the_studio_shows_it_and_end_now_asks(api, open_page, layout,
                                                                                   screenshot):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller, name=unique("Wardrobe"))
    product = make_product(api, seller, shop["id"], title="Hand-knitted wool scarf", price_minor=12800, stock=20)
    show = make_show(api, seller, shop["id"], title=unique("Winter wool"), minutes_ahead=3)
    page = open_page(seller, f"/manage/shops/{shop['id']}", layout)
    tap(page, page.locator(f"[data-schedule-flash='{show['id']}']"), layout)
    page.wait_for_url(f"**/flash-sales?show={show['id']}")
    form = page.locator("[data-flash-schedule]")
    form.locator("[name=product_id]").select_option(str(product["id"]))
    form.locator("[name=sale_price]").fill("99.999")
    form.locator("[name=units]").fill("5")
    form.locator("[name=per_buyer_limit]").fill("2")
    # the page's time zone is the browser's (UTC here): start 10 minutes after the show's
    start = datetime.fromisoformat(show["scheduled_at"]) + timedelta(minutes=10)
    form.locator("[name=starts_at]").fill(start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M"))
    form.locator("[name=duration_min]").select_option("10")
    tap(page, form.locator("button[type=submit]"), layout)
    assert page.locator("#sale_price-error").inner_text() == "Enter an amount such as 12.50."
    assert api.get(f"/api/v1/shows/{show['id']}/flash-sales").json() == []
    if layout == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"manage-flash-error-{layout}")
    page.locator("[data-flash-schedule] [name=sale_price]").fill("99")
    tap(page, page.locator("[data-flash-schedule] button[type=submit]"), layout)
    page.locator("[data-flash-scheduled]").wait_for()
    assert "Hand-knitted wool scarf" in page.locator("[data-flash-list]").inner_text()
    [sale] = api.get(f"/api/v1/shows/{show['id']}/flash-sales").json()
    assert (sale["sale_price"]["amount_minor"], sale["units"], sale["per_buyer_limit"], sale["status"]) == \
        (9900, 5, 2, "scheduled")
    screenshot(page, f"manage-flash-{layout}")

    # on air, the host pins the scarf: the studio's board counts down to the sale set up ahead
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers).status_code == 200
    assert api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": product["id"]},
                    headers=seller.headers).status_code == 200
    page.goto(f"/studio/shows/{show['id']}")
    until(page, "window.livestallFlash && window.livestallStudio && window.livestallStudio.room !== null")
    board = ".ph-flash-board" if layout == "phone" else ".studio-grid [data-flash-board]"
    end = page.locator(f"{board} [data-flash-end]")
    end.wait_for(state="visible")
    assert "Starts in" in page.locator(f"{board} [data-flash-card]").inner_text()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    tap(page, end, layout)
    wait_for(lambda: asked, timeout=10, what="the confirm")
    assert asked == ["End the flash sale of Hand-knitted wool scarf now?"]
    time.sleep(0.5)
    assert api.get(f"/api/v1/shows/{show['id']}/flash-sales").json()[0]["status"] == "scheduled"
    page.once("dialog", lambda dialog: dialog.accept())
    tap(page, end, layout)
    wait_for(lambda: api.get(f"/api/v1/shows/{show['id']}/flash-sales").json()[0]["status"] == "cancelled",
             timeout=10, what="the sale called off")
    page.locator(f"{board} [data-flash-done]").wait_for(state="visible")
    assert page.errors == []
