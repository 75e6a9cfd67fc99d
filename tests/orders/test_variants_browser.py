"""Variants in a phone's browser (Chromium, 390 x 844, touch): the buy sheet of a live show shows the cardigan's sizes
and colours as chips, greys out the combination that is gone, and buys the size and colour picked; the shop's
product page does the same from its own buy sheet."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import register
from tests.orders.support import live_shop, top_up
from tests.orders.test_variants import with_variants
from tests.web.conftest import DESKTOP, chromium, open_page, screenshot  # noqa: F401 (fixtures)
from tests.web.support import until

pytestmark = pytest.mark.slow

# Grey M has 4, red L none: L is greyed out once Red is picked.
VARIANTS = [({"Size": "S", "Colour": "Grey"}, 2, None), ({"Size": "M", "Colour": "Grey"}, 4, None),
            ({"Size": "L", "Colour": "Grey"}, 1, 62800), ({"Size": "M", "Colour": "Red"}, 2, None),
            ({"Size": "L", "Colour": "Red"}, 0, None)]


@pytest.fixture(scope="module")
def world(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as api:
        world = live_shop(api, title="Yak wool cardigan", price_minor=58800, stock=0)
        world["variants"] = with_variants(api, world["seller"], world["product"]["id"], VARIANTS)
        world["viewer"] = register(api, currency="CNY")
        top_up(api, app_server.database_url, world["viewer"], 500000)
        address = api.post("/api/v1/me/addresses", headers=world["viewer"].headers, json={
            "name": "Wang Fang", "line1": "88 Nanjing Road", "city": "Shanghai", "postal_code": "200001",
            "country": "CN"})
        assert address.status_code == 201, address.text
        return world


def chip(sheet, axis: str, value: str):
    return sheet.get_by_role("radiogroup", name=axis).locator(f"[data-value='{value}']")


def test_the_phone_buy_sheet_picks_size_and_colour_and_greys_out_what_is_gone(world, open_page, api, screenshot):
    product_id = world["product"]["id"]
    page = open_page(f"/shows/{world['show']['id']}?buy={product_id}", world["viewer"])
    sheet = page.locator("dialog[data-sheet=buy]")
    until(page, "document.querySelector('dialog[data-sheet=buy]')?.open && "
                "document.querySelectorAll('[data-buy-variants] [data-value]').length === 5")
    chip(sheet, "Colour", "Red").click()
    until(page, "document.querySelector('[data-buy-variants] [data-axis=\"0\"][data-value=\"L\"]')"
                ".classList.contains('gone')")
    assert "gone" not in chip(sheet, "Size", "M").get_attribute("class")
    assert chip(sheet, "Size", "L").get_attribute("aria-label") == "L (Sold out)"
    chip(sheet, "Size", "L").click()  # the gone combination: shown sold out, not bought
    until(page, "document.querySelector('[data-buy-stock]').textContent === 'Sold out'")
    assert sheet.get_by_role("button", name="Sold out").is_disabled()
    screenshot(page, "phone-variant-gone")
    chip(sheet, "Colour", "Grey").click()
    until(page, "document.querySelector('[data-buy-stock]').textContent === 'Only 1 left'")
    assert sheet.locator("[data-buy-price]").inner_text() == "CN¥628.00"  # the grey L's own price
    chip(sheet, "Size", "M").click()
    until(page, "document.querySelector('[data-buy-stock]').textContent === 'Only 4 left'")
    assert sheet.locator("[data-buy-price]").inner_text() == "CN¥588.00"
    screenshot(page, "phone-variant-picked")
    sheet.get_by_role("button", name="Buy now").click()
    until(page, "document.querySelector('[data-buy-outcome]').textContent.startsWith('Bought!')")
    order = api.get("/api/v1/me/orders", headers=world["viewer"].headers).json()["items"][0]
    assert (order["variant_id"], order["option"], order["status"]) == (world["variants"]["M / Grey"]["id"],
                                                                       "M / Grey", "paid")
    # The room's sale event brings the grey M down to 3 on the sheet.
    until(page, "document.querySelector('[data-buy-stock]').textContent === 'Only 3 left'")
    assert not page.errors, page.errors


def test_the_product_page_buy_sheet_picks_a_variant(world, open_page, api):
    product_id = world["product"]["id"]
    for device in (None, DESKTOP):
        page = open_page(f"/products/{product_id}", world["viewer"], **({"device": device} if device else {}))
        page.locator(f"[data-buy-product='{product_id}']").click()
        sheet = page.locator("dialog[data-buy-sheet]")
        sheet.wait_for()
        # The page starts on a size and colour in stock and the sheet opens on it; another is one tap each.
        chip(sheet, "Size", "S").click()
        chip(sheet, "Colour", "Grey").click()
        until(page, "document.querySelector('[data-sheet-stock]').textContent === 'Only 2 left'")
        assert not page.errors, page.errors


def test_the_desktop_shelf_card_and_the_admin_page_show_the_variants(world, open_page, api, screenshot):
    product_id = world["product"]["id"]
    page = open_page(f"/shows/{world['show']['id']}", world["viewer"], device=DESKTOP)
    card = page.locator(f"[data-shelf-items] [data-product-id='{product_id}']")
    until(page, f"document.querySelectorAll('[data-product-id=\"{product_id}\"] [data-variants] [data-value]').length === 5")
    chip(card, "Size", "S").click()
    chip(card, "Colour", "Grey").click()
    until(page, f"document.querySelector('[data-product-id=\"{product_id}\"] [data-stock]').textContent === 'Only 2 left'")
    assert "gone" in chip(card, "Colour", "Red").get_attribute("class")  # no red S
    screenshot(page, "desktop-variant-card")
    admin = open_page(f"/manage/products/{product_id}#variants", world["seller"])
    admin.locator("#variants").scroll_into_view_if_needed()
    assert admin.locator("[data-variant-rows] li").count() == 5
    screenshot(admin, "phone-variant-admin")
    assert not page.errors and not admin.errors, (page.errors, admin.errors)
