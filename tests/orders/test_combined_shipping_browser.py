"""Combined shipping in Chromium on a phone: the seller sets zones and fees, the buyer sees the parcel's shipping fee
on the show's buy sheet before tapping, and nothing more once the parcel paid it."""

from __future__ import annotations

import pytest

from tests.helpers import register
from tests.orders.support import ADDRESS, buy, top_up
from tests.web.conftest import DESKTOP, PHONE, chromium, screenshot  # noqa: F401 (fixtures)
from tests.web.support import live_world, logged_in_page, until


# Made before the module's Chromium starts (tests name it first): the top-ups run their own event loop.
@pytest.fixture(scope="module")
def world(module_api, database_url):
    api = module_api
    w = live_world(api)
    w["buyer"] = register(api, display_name="Wang Fang", language="en", currency="CNY")
    top_up(api, database_url, w["buyer"], 300_000)
    assert api.post("/api/v1/me/addresses", json=ADDRESS, headers=w["buyer"].headers).status_code == 201
    return w


def test_the_seller_sets_zones_and_fees_on_a_phone(world, chromium, app_server, api, screenshot):
    host, shop = world["host"], world["shop"]
    context, page = logged_in_page(chromium, app_server.url, host, f"/manage/shops/{shop['id']}/shipping", **PHONE,
                                   locale="en-US")
    try:
        zones = page.locator("[data-zone]")
        assert zones.count() == 1  # no zones yet: one empty row to fill
        zones.nth(0).get_by_label("Zone name").fill("China")
        zones.nth(0).get_by_label("Countries").fill("cn, hk")
        zones.nth(0).get_by_label("Fee").fill("12")
        page.locator("[data-add-zone]").click()
        zones.nth(1).get_by_label("Zone name").fill("Europe")
        zones.nth(1).get_by_label("Countries").fill("ES, FR, XX")
        zones.nth(1).get_by_label("Fee").fill("45.00")
        page.locator("[data-rest=no]").check()
        assert not page.locator("[name=rest_fee]").is_visible()  # no fee asked where the shop does not ship
        page.get_by_label("Free shipping from (optional)").fill("800")
        page.get_by_role("button", name="Save shipping fees").click()
        # XX is no country: refused beside its field, what was typed kept, nothing saved
        error = page.locator("#zone_countries_1-error")
        error.wait_for()
        assert "country code" in error.inner_text()
        assert page.locator("[data-zone]").nth(1).get_by_label("Countries").input_value() == "ES, FR, XX"
        assert api.get(f"/api/v1/shops/{shop['id']}/shipping").json()["configured"] is False
        screenshot(page, "phone-shipping-fees-error")
        page.locator("[data-zone]").nth(1).get_by_label("Countries").fill("ES, FR")
        page.get_by_role("button", name="Save shipping fees").click()
        page.locator("[data-shipping-saved]").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
        screenshot(page, "phone-shipping-fees", full_page=True)
        assert page.errors == []
    finally:
        context.close()
    rules = api.get(f"/api/v1/shops/{shop['id']}/shipping").json()
    assert [(z["name"], z["countries"], z["fee_minor"]) for z in rules["zones"]] == \
        [("China", ["CN", "HK"], 1200), ("Europe", ["ES", "FR"], 4500)]
    assert (rules["rest_of_world_fee_minor"], rules["free_over_minor"]) == (None, 80000)


def open_buy_sheet(page):
    until(page, "window.livestallShow?.room && document.querySelector('[data-bag-count]').textContent === '1'")
    bag = page.locator("dialog[data-sheet=bag]")
    if not bag.is_visible():  # the bag stays open under the buy sheet after a purchase
        page.locator(".phone-bag").click()
    bag.wait_for()
    bag.locator("[data-shelf-items] li", has_text="Hand-knitted wool scarf").locator("[data-buy]").click()
    sheet = page.locator("dialog[data-sheet=buy]")
    sheet.wait_for()
    return sheet


def test_the_buyer_sees_the_shipping_fee_before_the_tap_and_pays_it_once(world, chromium, app_server, api,
                                                                          screenshot):
    buyer, show = world["buyer"], world["show"]
    saved = api.put(f"/api/v1/shops/{world['shop']['id']}/shipping", headers=world["host"].headers,
                    json={"zones": [{"name": "China", "countries": ["CN"], "fee_minor": 1200}]})
    assert saved.status_code == 200, saved.text
    context, page = logged_in_page(chromium, app_server.url, buyer, f"/shows/{show['id']}", **PHONE, locale="en-US")
    context.add_init_script("localStorage.setItem('livestall.swiped', '1')")
    try:
        sheet = open_buy_sheet(page)
        until(page, "document.querySelector('[data-buy-shipping-fee]').textContent.includes('12.00')")
        assert sheet.locator("[data-buy-shipping]").is_visible()
        assert sheet.locator("[data-buy-shipping] .label").inner_text() == "Shipping"
        screenshot(page, "phone-buy-sheet-shipping-fee")
        sheet.get_by_text("M", exact=True).click()
        sheet.locator("[data-buy-submit]").click()
        until(page, "document.querySelector('[data-buy-outcome]').textContent.trim().length > 0")
        wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()["wallets"][0]["balance"]["amount_minor"]
        assert wallet == 300_000 - 12800 - 1200
        page.keyboard.press("Escape")
        sheet = open_buy_sheet(page)
        # The parcel from this show paid its shipping: the next item adds none.
        until(page, "document.querySelector('[data-buy-shipping-note]').textContent.includes('already paid')")
        assert sheet.locator("[data-buy-shipping-fee]").inner_text() == "Free"
        screenshot(page, "phone-buy-sheet-shipping-paid")
        assert page.errors == []
    finally:
        context.close()


def test_the_seller_packs_and_ships_the_parcel_with_one_tracking_number(world, chromium, app_server, api,
                                                                         screenshot):
    host, shop, buyer = world["host"], world["shop"], world["buyer"]
    again = buy(api, buyer, world["show"]["id"], world["scarf"]["id"], option="S", pay_with="wallet")
    assert again.status_code == 201 and again.json()["status"] == "paid", again.text
    mine = [o for o in api.get("/api/v1/me/orders", headers=buyer.headers).json()["items"] if o["status"] == "paid"]
    assert len(mine) == 2  # the scarf of the test before and this one: one parcel
    for device, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context, page = logged_in_page(chromium, app_server.url, host, f"/manage/shops/{shop['id']}/parcels",
                                       **device, locale="en-US")
        try:
            parcel = page.locator("[data-parcel]", has_text="Wang Fang")
            assert parcel.locator("[data-parcel-order]").count() == 2
            assert "Shipping paid: CN¥12.00" in parcel.locator("[data-parcel-fee]").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= device["viewport"]["width"]
            screenshot(page, f"{name}-parcels-to-ship", full_page=True)
            if name == "desktop":
                parcel.get_by_label("Tracking number").fill("SF1234567890")
                parcel.get_by_label("Carrier (optional)").fill("SF Express")
                parcel.get_by_role("button", name="Ship the parcel").click()
                page.locator("[data-parcel-shipped]").wait_for()
                assert page.locator("[data-parcel]", has_text="Wang Fang").count() == 0
            assert page.errors == []
        finally:
            context.close()
    shipped = [api.get(f"/api/v1/orders/{o['id']}", headers=buyer.headers).json() for o in mine]
    assert {(o["status"], o["tracking_number"]) for o in shipped} == {("shipped", "SF1234567890")}
