"""Variants where seller and buyer meet them, in Chromium on a 390x844 touch phone and on a desktop: the studio's
flash-sale form picks a variant, the product page's chips, the phone studio's per-variant stock, and the phone
studio (and its "More" view) never scrolling sideways."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.helpers import make_product, make_shop, make_show, register, unique
from tests.orders.support import buy
from tests.web.support import logged_in_page, until

pytestmark = pytest.mark.slow
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CARDIGAN = [({"Size": "M", "Colour": "Grey"}, 4, None), ({"Size": "L", "Colour": "Grey"}, 3, 15800),
            ({"Size": "L", "Colour": "Red"}, 0, None)]
# a phone widens its layout viewport (innerWidth) to what overflows: compare with the screen's own width
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


@pytest.fixture()
def opener(chromium, app_server):
    """Opens a page logged in as an actor, on a touch phone or a desktop; contexts are closed afterwards."""
    contexts = []

    def open_(path: str, actor, *, phone: bool = True, locale: str = "en-GB"):
        context, page = logged_in_page(chromium, app_server.url, actor, path, viewport=PHONE if phone else DESKTOP,
                                       locale=locale, is_mobile=phone, has_touch=phone,
                                       device_scale_factor=2 if phone else 1)
        contexts.append(context)
        return page

    yield open_
    for context in contexts:
        context.close()


def eventually(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.1)
    return result


def cardigan_show(api: httpx.Client, *, live: bool = True, language: str = "en") -> dict:
    """A host's show (live unless told) with a Size x Colour cardigan pinned, and a plain scarf."""
    host = register(api, roles=["seller", "host"], display_name=unique("Mei"), language=language)
    shop = make_shop(api, host, name=unique("Wardrobe"))
    cardigan = make_product(api, host, shop["id"], title="Yak wool cardigan", price_minor=12800, stock=0)
    scarf = make_product(api, host, shop["id"], title="Hand-knitted wool scarf", price_minor=9000, stock=10)
    axes = api.put(f"/api/v1/products/{cardigan['id']}/option-axes", json={"axes": ["Size", "Colour"]},
                   headers=host.headers)
    assert axes.status_code == 200, axes.text
    variants = {}
    for options, stock, price in CARDIGAN:
        made = api.post(f"/api/v1/products/{cardigan['id']}/variants", headers=host.headers,
                        json={"options": options, "stock": stock, "price_minor": price})
        assert made.status_code == 201, made.text
        variants[made.json()["label"]] = made.json()
    show = make_show(api, host, shop["id"], title=unique("Winter wool"), minutes_ahead=5)
    if live:
        assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
        pinned = api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": cardigan["id"]},
                          headers=host.headers)
        assert pinned.status_code == 200, pinned.text
    return {"host": host, "shop": shop, "cardigan": cardigan, "scarf": scarf, "variants": variants, "show": show}


def flash_sales(api: httpx.Client, show_id: int) -> list[dict]:
    return api.get(f"/api/v1/shows/{show_id}/flash-sales").json()


def open_studio(opener, world: dict, *, phone: bool, locale: str = "en-GB"):
    page = opener(f"/studio/shows/{world['show']['id']}", world["host"], phone=phone, locale=locale)
    until(page, "window.livestallFlash && window.livestallStudio && window.livestallStudio.room !== null")
    return page


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_a_flash_sale_of_a_product_with_variants_is_of_the_variant_picked(opener, api, screenshot, phone):
    world = cardigan_show(api)
    show_id, cardigan, variants = world["show"]["id"], world["cardigan"], world["variants"]
    page = open_studio(opener, world, phone=phone)
    button = page.locator(f"{'.ph-shelf' if phone else '.pin-list'} [data-flash-open='{cardigan['id']}']")
    button.wait_for(state="visible")
    button.tap() if phone else button.click()
    dialog = page.locator("[data-flash-dialog]")
    choice = dialog.locator("[data-flash-variant]")
    assert choice.is_visible()
    labels = choice.locator("option").all_inner_texts()
    assert labels == ["Choose a variant", "M / Grey · in stock: 4", "L / Grey · in stock: 3", "L / Red · Sold out"]
    assert choice.locator("option", has_text="L / Red").is_disabled()
    if phone:
        screenshot(page, "studio-flash-variant-phone")
        assert page.evaluate(SIDEWAYS) <= 0
        box = choice.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box

    # no variant picked: refused in the form, nothing put on sale
    dialog.locator("[name=price]").fill("99.00")
    dialog.locator("[name=units]").fill("2")
    dialog.locator("[name=countdown_s]").select_option("0")
    dialog.locator("[data-flash-submit]").click()
    assert dialog.locator("[data-flash-error]").inner_text() == "Choose the variant to put on sale."
    assert choice.get_attribute("aria-invalid") == "true"
    assert flash_sales(api, show_id) == []

    choice.select_option(label="L / Grey · in stock: 3")
    assert dialog.locator("[data-flash-regular]").inner_text() == "Regular price CN¥158.00 · in stock: 3"
    dialog.locator("[data-flash-submit]").click()
    until(page, "!document.querySelector('[data-flash-dialog]').open")
    sales = eventually(lambda: flash_sales(api, show_id))
    assert [(s["variant_id"], s["units"], s["sale_price"]["amount_minor"]) for s in sales] == \
        [(variants["L / Grey"]["id"], 2, 9900)]
    board = "[data-ph-flash-board], .ph-flash-board" if phone else ".studio-grid [data-flash-board]"
    until(page, f"document.querySelector({board!r}).textContent.includes('Yak wool cardigan · L / Grey')")
    assert not page.errors, page.errors


def test_a_flash_sale_form_for_a_plain_product_asks_no_variant(opener, api):
    world = cardigan_show(api)
    pinned = api.post(f"/api/v1/shows/{world['show']['id']}/pins", json={"product_id": world["scarf"]["id"]},
                      headers=world["host"].headers)
    assert pinned.status_code == 200, pinned.text
    page = open_studio(opener, world, phone=False)
    button = page.locator(f".pin-list [data-flash-open='{world['scarf']['id']}']")
    button.wait_for(state="visible")
    button.click()
    dialog = page.locator("[data-flash-dialog]")
    dialog.wait_for(state="visible")
    assert dialog.locator("[data-flash-variant]").count() == 0
    dialog.locator("[name=price]").fill("50")
    dialog.locator("[name=units]").fill("3")
    dialog.locator("[data-flash-submit]").click()
    sales = eventually(lambda: flash_sales(api, world["show"]["id"]))
    assert [(s["product_id"], s["variant_id"]) for s in sales] == [(world["scarf"]["id"], None)]


def test_the_phone_studio_shows_each_pinned_variants_stock_live(opener, api, screenshot):
    world = cardigan_show(api)
    show_id, cardigan, variants = world["show"]["id"], world["cardigan"], world["variants"]
    page = open_studio(opener, world, phone=True)
    line = f"[data-ph-pin='{cardigan['id']}'] [data-ph-variant-stock]"
    until(page, f"document.querySelector({line!r})?.textContent === 'M/Grey 4 · L/Grey 3 · L/Red 0'")
    assert page.locator(line).is_visible()
    assert page.locator(f"{line} .gone").all_inner_texts() == ["L/Red 0"]
    assert page.locator(f"[data-ph-pin='{world['scarf']['id']}'] [data-ph-variant-stock]").count() == 0
    screenshot(page, "phone-studio-variant-stock")

    bought = buy(api, register(api), show_id, cardigan["id"], variant_id=variants["L / Grey"]["id"], quantity=3)
    assert bought.status_code in (200, 201), bought.text
    until(page, f"document.querySelector({line!r})?.textContent === 'M/Grey 4 · L/Grey 0 · L/Red 0'")
    assert page.locator(f"{line} .gone").all_inner_texts() == ["L/Grey 0", "L/Red 0"]

    # unpinned from the phone: its line goes; pinned again: back, as it is now
    page.locator(f"[data-ph-pin='{cardigan['id']}']").tap()
    until(page, f"!document.querySelector({line!r})")
    page.locator(f"[data-ph-pin='{cardigan['id']}']").tap()
    until(page, f"document.querySelector({line!r})?.textContent === 'M/Grey 4 · L/Grey 0 · L/Red 0'")
    assert not page.errors, page.errors


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_phone_studio_and_its_more_view_never_scroll_sideways(opener, api, screenshot, language):
    world = cardigan_show(api, language=language)
    page = open_studio(opener, world, phone=True, locale=language)
    until(page, "document.querySelector('[data-golive-state]').dataset.state === 'camera'")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
    assert page.evaluate(SIDEWAYS) <= 0
    page.locator("[data-ph-more]").tap()
    assert page.locator(".studio-grid [data-pin-list]").is_visible()
    page.wait_for_timeout(300)  # the panels' scripts fill them in
    assert page.evaluate(SIDEWAYS) <= 0, page.evaluate(SIDEWAYS)
    for panel in page.locator(".studio-grid > .panel").all():  # every panel inside the screen's width
        if panel.is_visible():
            box = panel.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (panel.get_attribute("class"), box)
    beyond = page.evaluate("""[...document.querySelectorAll('.studio-grid *')].filter(e => e.getClientRects().length
        && (e.getBoundingClientRect().left < -0.5
            || e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5))
        .map(e => e.tagName + '.' + e.className)""")
    assert beyond == []  # nothing of a panel (such as a select with long choices) sticks out either
    screenshot(page, f"phone-studio-more-{language}")
    desktop = open_studio(opener, world, phone=False, locale=language)
    assert desktop.evaluate(SIDEWAYS) <= 0
    assert not page.errors and not desktop.errors, page.errors + desktop.errors


ADDRESS = {"name": "Wang Fang", "line1": "88 Nanjing Road", "city": "Shanghai", "postal_code": "200001",
           "country": "CN", "phone": "+86 21 5555 0000"}


def chips(page, axis: str) -> dict[str, str]:
    """The product page's chips of one axis: {value: "picked" | "gone" | "open"}."""
    return page.evaluate(f"""Object.fromEntries([...document.querySelectorAll(
        '[data-product-variants] [role=radiogroup][aria-label="{axis}"] .variant-chip')].map(c => [c.dataset.value,
        c.getAttribute('aria-checked') === 'true' ? 'picked' : c.classList.contains('gone') ? 'gone' : 'open']))""")


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_product_page_sells_a_variant_picked_on_its_chips(opener, api, screenshot, phone):
    world = cardigan_show(api, live=False)
    cardigan, variants = world["cardigan"], world["variants"]
    buyer = register(api)
    page = opener(f"/products/{cardigan['id']}", buyer, phone=phone)
    until(page, "window.livestallProductVariants && window.livestallSelling")
    press = (lambda node: node.tap()) if phone else (lambda node: node.click())
    stock = page.locator(f"[data-stock-for='{cardigan['id']}']")
    price = page.locator("[data-product-price]")
    buy_now = page.locator("[data-buy-product]")
    assert page.locator(".product-facts .chips.static").count() == 0  # not the old option chips
    # it starts from a combination with units left
    assert chips(page, "Size") == {"M": "picked", "L": "open"}
    assert chips(page, "Colour") == {"Grey": "picked", "Red": "gone"}
    assert (price.inner_text(), stock.inner_text()) == ("CN¥128.00", "Only 4 left")
    press(page.locator("[data-product-variants] .variant-chip[data-value='L']"))
    assert chips(page, "Colour") == {"Grey": "picked", "Red": "gone"}  # L / Red has nothing left
    assert (price.inner_text(), stock.inner_text()) == ("CN¥158.00", "Only 3 left")  # L / Grey's own price
    assert buy_now.is_enabled()
    press(page.locator("[data-product-variants] .variant-chip[data-value='Red']"))
    assert stock.inner_text() == "Sold out" and buy_now.is_disabled()
    press(page.locator("[data-product-variants] .variant-chip[data-value='M']"))
    assert stock.inner_text() == "This combination is not made." and buy_now.is_disabled()
    press(page.locator("[data-product-variants] .variant-chip[data-value='Grey']"))
    press(page.locator("[data-product-variants] .variant-chip[data-value='L']"))
    assert (price.inner_text(), stock.inner_text()) == ("CN¥158.00", "Only 3 left")
    assert page.evaluate(SIDEWAYS) <= 0
    screenshot(page, f"product-variants-{'phone' if phone else 'desktop'}")

    # "Buy now": the sheet opens with L / Grey picked, and buys it
    press(buy_now)
    until(page, "document.querySelector('[data-buy-sheet]').open")
    sheet = page.locator("[data-buy-sheet]")
    assert sheet.locator(".variant-chip[aria-checked=true]").all_inner_texts() == ["L", "Grey"]
    assert sheet.locator("[data-sheet-total]").inner_text() == "CN¥158.00"
    sheet.locator("[data-sheet-quantity]").fill("2")
    for name, value in ADDRESS.items():
        sheet.locator(f"[data-sheet-address-form] [name={name}]").fill(value)
    press(sheet.locator("[data-sheet-buy]"))
    until(page, "!document.querySelector('[data-sheet-result]').hidden")
    [order] = api.get("/api/v1/me/orders", headers=buyer.headers).json()["items"]
    assert (order["variant_id"], order["quantity"], order["option"]) == (variants["L / Grey"]["id"], 2, "L / Grey")
    assert stock.inner_text() == "Only 1 left"  # the page counts what was just bought
    assert not page.errors, page.errors


def test_a_product_without_variants_keeps_its_options(opener, api):
    host = register(api, roles=["seller"])
    shop = make_shop(api, host, name=unique("Teas"))
    tea = make_product(api, host, shop["id"], title="Longjing tea", price_minor=6800, stock=12,
                       options=["50 g", "100 g"])
    page = opener(f"/products/{tea['id']}", register(api), phone=True)
    until(page, "window.livestallSelling")
    assert page.locator(".product-facts .chips.static .chip").all_inner_texts() == ["50 g", "100 g"]
    assert page.locator("[data-product-variants]").count() == 0
    assert page.locator("[data-product-price]").inner_text() == "CN¥68.00"

