"""Flash sales from the studio in Chromium: the host starts one from a pinned product's form, watches it sell and
ends it; a refusal in the host's language; the same form on a 390x844 phone."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.helpers import make_product, make_shop, make_show, register, unique
from tests.web.support import logged_in_page, until

pytestmark = pytest.mark.slow
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ADDRESS = {"name": "Wang Fang", "line1": "88 Nanjing Road", "city": "Shanghai", "postal_code": "200001",
           "country": "CN", "phone": "+86 21 5555 0000"}


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


@pytest.fixture()
def studio(chromium, app_server):
    """Opens a logged-in studio page (desktop unless told a phone viewport); contexts are closed afterwards."""
    contexts = []

    def open_(show_id: int, actor, *, viewport=DESKTOP, locale: str = "en-GB", mobile: bool = False):
        context, page = logged_in_page(chromium, app_server.url, actor, f"/studio/shows/{show_id}", viewport=viewport,
                                       locale=locale, is_mobile=mobile, has_touch=mobile,
                                       device_scale_factor=2 if mobile else 1)
        contexts.append(context)
        until(page, "window.livestallFlash && window.livestallStudio && window.livestallStudio.room !== null")
        return page

    yield open_
    for context in contexts:
        context.close()


def live_show(api: httpx.Client, *, stock: int = 20, **host_fields) -> dict:
    """A host's live show with one product (stock `stock`) pinned."""
    host = register(api, roles=["seller", "host"], display_name=unique("Mei"), **host_fields)
    shop = make_shop(api, host, name=unique("Wardrobe"))
    product = make_product(api, host, shop["id"], title="Hand-knitted wool scarf", price_minor=12800, stock=stock)
    show = make_show(api, host, shop["id"], title=unique("Winter wool"), minutes_ahead=5)
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
    pinned = api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": product["id"]}, headers=host.headers)
    assert pinned.status_code == 200, pinned.text
    return {"host": host, "shop": shop, "product": product, "show": show}


def eventually(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.1)
    return result


def shelf_sale(api: httpx.Client, show_id: int) -> dict | None:
    return api.get(f"/api/v1/shows/{show_id}/pins").json()["items"][0]["flash_sale"]


def fill_form(page, *, price: str, units: str, duration: str = "60", countdown: str = "0", limit: str = ""):
    dialog = page.locator("[data-flash-dialog]")
    dialog.locator("[name=price]").fill(price)
    dialog.locator("[name=units]").fill(units)
    dialog.locator("[name=per_buyer_limit]").fill(limit)
    dialog.locator("[name=duration_s]").select_option(duration)
    dialog.locator("[name=countdown_s]").select_option(countdown)
    dialog.locator("[data-flash-submit]").click()


def board_text(page, selector: str = ".studio-grid [data-flash-board]") -> str:
    return page.evaluate(f"document.querySelector({selector!r}).textContent")


def test_the_host_starts_watches_and_ends_a_flash_sale(studio, api):
    world = live_show(api)
    show_id, product = world["show"]["id"], world["product"]
    page = studio(show_id, world["host"])
    opener = page.locator(f".pin-list [data-flash-open='{product['id']}']")
    opener.wait_for(state="visible")
    opener.click()
    dialog = page.locator("[data-flash-dialog]")
    assert dialog.is_visible()
    assert "Hand-knitted wool scarf" in dialog.locator("[data-flash-product]").inner_text()
    fill_form(page, price="99.50", units="5", duration="60", countdown="0", limit="2")
    until(page, "!document.querySelector('[data-flash-dialog]').open")

    sale = eventually(lambda: (s := shelf_sale(api, show_id)) and s["status"] == "live" and s)
    assert (sale["sale_price"]["amount_minor"], sale["units"], sale["units_left"], sale["per_buyer_limit"]) == \
        (9950, 5, 5, 2)
    assert 50 <= sale["seconds_left"] <= 60
    until(page, "document.querySelector('.studio-grid [data-flash-sold]')?.textContent === 'Sold: 0 / 5'")
    assert "left" in page.locator(".studio-grid [data-flash-time]").inner_text()
    assert opener.is_disabled()  # one sale of a product at a time

    buyer = register(api)
    bought = api.post(f"/api/v1/shows/{show_id}/buy", json={"product_id": product["id"], "quantity": 2,
                                                             "shipping": ADDRESS},
                      headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex})
    assert bought.status_code in (200, 201), bought.text
    assert bought.json()["flash_sale_id"] == sale["id"]
    until(page, "document.querySelector('.studio-grid [data-flash-sold]')?.textContent === 'Sold: 2 / 5'")

    asked = []  # "End now" asks first: dismissed, the sale goes on; accepted, it ends
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator(".studio-grid [data-flash-end]").click()
    eventually(lambda: asked)
    assert asked == ["End the flash sale of Hand-knitted wool scarf now?"]
    assert [s["status"] for s in api.get(f"/api/v1/shows/{show_id}/flash-sales").json()] == ["live"]
    assert page.locator(".studio-grid [data-flash-end]").is_enabled()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".studio-grid [data-flash-end]").click()
    eventually(lambda: [s["status"] for s in api.get(f"/api/v1/shows/{show_id}/flash-sales").json()] == ["ended"])
    assert shelf_sale(api, show_id) is None
    until(page, "document.querySelector('.studio-grid [data-flash-done]')?.textContent === 'Ended: 2 of 5 sold'")
    assert not page.locator(".studio-grid [data-flash-end]").count()
    assert opener.is_enabled()  # the next one may start
    assert page.errors == []


def test_a_refusal_shows_in_the_form_in_spanish(studio, api):
    world = live_show(api, stock=3, language="es")
    show_id, product = world["show"]["id"], world["product"]
    page = studio(show_id, world["host"], locale="es-ES")
    assert page.evaluate("document.documentElement.lang") == "es"
    page.locator(f".pin-list [data-flash-open='{product['id']}']").click()
    assert page.locator("#flash-title").inner_text().startswith("Oferta relámpago")
    fill_form(page, price="12,5", units="50")  # more than the 3 in stock
    error = page.locator("[data-flash-error]")
    error.wait_for(state="visible")
    assert error.inner_text() == "No quedan suficientes unidades."
    assert page.evaluate("document.querySelector('[data-flash-dialog]').open")
    # a price that is no amount is refused before asking the server
    fill_form(page, price="doce", units="2")
    assert error.inner_text() == "Escribe un importe como 12,50."
    assert shelf_sale(api, show_id) is None
    assert api.get(f"/api/v1/products/{product['id']}").json()["stock"] == 3
    assert page.errors == []


def fits(page, selector: str, viewport: dict) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, (selector, box)
    return box


def test_the_form_opens_and_fits_on_a_phone(studio, api, screenshot):
    world = live_show(api)
    show_id, product = world["show"]["id"], world["product"]
    page = studio(show_id, world["host"], viewport=PHONE, mobile=True)
    opener = page.locator(f".ph-shelf [data-flash-open='{product['id']}']")
    opener.wait_for(state="visible")
    assert fits(page, f".ph-shelf [data-flash-open='{product['id']}']", PHONE)["height"] >= 44
    opener.tap()
    dialog = page.locator("[data-flash-dialog]")
    dialog.wait_for(state="visible")
    box = fits(page, "[data-flash-dialog]", PHONE)
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"] + 0.5, box
    sizes = page.evaluate("""[...document.querySelectorAll('[data-flash-dialog] :is(button, input, select)')]
        .map(el => { const r = el.getBoundingClientRect(); return [el.name || el.textContent.trim(), r.left, r.right,
                                                                   r.height]; })""")
    assert len(sizes) == 7, sizes
    for name, left, right, height in sizes:
        assert height >= 44 and left >= 0 and right <= PHONE["width"], (name, left, right, height)
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    screenshot(page, "studio-flash-form-phone")

    dialog.locator("[name=price]").fill("99")
    dialog.locator("[name=units]").fill("4")
    dialog.locator("[data-flash-submit]").tap()
    until(page, "!document.querySelector('[data-flash-dialog]').open")
    end = page.locator(".ph-flash-board [data-flash-end]")
    end.wait_for(state="visible")
    assert fits(page, ".ph-flash-board [data-flash-end]", PHONE)["height"] >= 44
    fits(page, ".ph-flash-board [data-flash-card]", PHONE)
    assert "Sold: 0 / 4" in page.locator(".ph-flash-board [data-flash-card]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    screenshot(page, "studio-flash-board-phone")
    page.once("dialog", lambda dialog: dialog.accept())
    end.tap()
    page.locator(".ph-flash-board [data-flash-done]").wait_for(state="visible")
    eventually(lambda: api.get(f"/api/v1/shows/{show_id}/flash-sales").json()[0]["status"] in ("ended", "cancelled"))
    assert page.errors == []
