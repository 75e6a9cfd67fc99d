"""Shipping in the pages: the address book page, the buy sheet sent to the default address, the seller's order card
with the whole address and its tracking form, and packing slips in the buyer's language and the seller's."""

from __future__ import annotations

import re

import pytest

from tests.helpers import register
from tests.orders.support import ADDRESS, buy, top_up
from tests.web.support import live_world, logged_in_page, until

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Like the demo's Sofía: a Spanish viewer with money in her wallet and a default address in her book.
SOFIA_HOME = {"name": "Sofía García", "line1": "Calle Mayor 12", "line2": "3º B", "city": "Madrid",
              "region": "Madrid", "postal_code": "28013", "country": "ES", "phone": "+34 600 555 104"}


# Set up before the module's Chromium starts (tests name it first): the top-ups run their own event loop.
@pytest.fixture(scope="module")
def world(module_api, database_url):
    """A live show selling in CNY; Sofía (Spanish, funded, with a default address), a second funded buyer who
    paid for the cardigan, and an English viewer with money but an empty address book."""
    api = module_api
    w = live_world(api, language="es")
    host, show = w["host"], w["show"]
    assert api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": w["cardigan"]["id"]},
                    headers=host.headers).status_code == 200
    w["sofia"] = register(api, display_name="Sofía García", language="es", currency="EUR", country="ES")
    top_up(api, database_url, w["sofia"], 100_000)
    added = api.post("/api/v1/me/addresses", json=SOFIA_HOME, headers=w["sofia"].headers)
    assert added.status_code == 201 and added.json()["is_default"], added.text
    w["wang"] = register(api, display_name="Wang Fang", language="zh", currency="CNY")
    top_up(api, database_url, w["wang"], 300_000)
    paid = buy(api, w["wang"], show["id"], w["cardigan"]["id"], pay_with="wallet")
    assert paid.status_code == 201 and paid.json()["status"] == "paid", paid.text
    w["wang_order"] = paid.json()
    w["emily"] = register(api, display_name="Emily Brown", language="en", currency="CNY")
    top_up(api, database_url, w["emily"], 100_000)
    w["pierre"] = register(api, display_name="Pierre Martin", language="fr", currency="EUR", country="FR")
    top_up(api, database_url, w["pierre"], 100_000)
    return w


def phone_page(chromium, base_url: str, actor, path: str, locale: str = "en-US"):
    context, page = logged_in_page(chromium, base_url, actor, "/", **PHONE, locale=locale)
    context.add_init_script("localStorage.setItem('livestall.swiped', '1')")
    page.goto(path)
    return context, page


def test_the_buy_sheet_is_filled_from_the_default_address_and_buys(world, chromium, app_server, api, screenshot):
    sofia, show = world["sofia"], world["show"]
    context, page = phone_page(chromium, app_server.url, sofia, f"/shows/{show['id']}", locale="es-ES")
    try:
        until(page, "window.livestallShow?.room && document.querySelector('[data-bag-count]').textContent === '2'")
        page.locator(".phone-bag").click()
        bag = page.locator("dialog[data-sheet=bag]")
        bag.wait_for()
        bag.locator("[data-shelf-items] li", has_text="Hand-knitted wool scarf").locator("[data-buy]").click()
        sheet = page.locator("dialog[data-sheet=buy]")
        sheet.wait_for()
        until(page, "document.querySelector('[data-buy-address]').textContent.includes('Calle Mayor 12')")
        assert sheet.locator("[data-buy-address]").inner_text().startswith("Sofía García, Calle Mayor 12, Madrid")
        assert sheet.locator("[data-buy-change-address]").inner_text() == "Cambiar"
        screenshot(page, "phone-buy-sheet-default-address")
        sheet.get_by_text("M", exact=True).click()
        sheet.locator("[data-buy-submit]").click()
        until(page, "document.querySelector('[data-buy-outcome]').textContent.includes('Pedido')")
        assert not page.locator("[data-address-dialog]").is_visible()  # never asked where to send it
        orders = api.get("/api/v1/me/orders", headers=sofia.headers).json()["items"]
        assert len(orders) == 1 and orders[0]["status"] == "paid"
        assert orders[0]["shipping"] == SOFIA_HOME
        assert not page.errors, page.errors
    finally:
        context.close()


def test_a_first_address_typed_in_the_sheet_goes_into_the_book(world, chromium, app_server, api, screenshot):
    emily, show = world["emily"], world["show"]
    context, page = phone_page(chromium, app_server.url, emily, f"/shows/{show['id']}")
    try:
        until(page, "window.livestallShow?.room && document.querySelector('[data-bag-count]').textContent === '2'")
        page.locator(".phone-bag").click()
        page.locator("dialog[data-sheet=bag] [data-shelf-items] li", has_text="Hand-knitted wool scarf") \
            .locator("[data-buy]").click()
        sheet = page.locator("dialog[data-sheet=buy]")
        sheet.wait_for()
        until(page, "document.querySelector('[data-buy-wallet]').textContent !== '…'")
        assert sheet.locator("[data-buy-change-address]").inner_text() == "Add a delivery address"
        sheet.get_by_text("S", exact=True).click()
        sheet.get_by_role("button", name="Buy now").click()
        dialog = page.locator("[data-address-dialog]")
        dialog.get_by_label("Full name").fill("Emily Brown")
        dialog.get_by_label("Address").fill("233 South Wacker Drive")
        dialog.get_by_label("Apartment, floor or building (optional)").fill("Apt 41")
        dialog.get_by_label("City").fill("Chicago")
        dialog.get_by_label("State, province or region (optional)").fill("IL")
        dialog.get_by_label("Postal code").fill("60606!")
        dialog.get_by_label("Country (two letters, such as ES)").fill("us")
        dialog.get_by_role("button", name="Buy now").click()
        # the book refuses the postal code: said beside its label, the sheet stays open, nothing is bought
        until(page, "!document.querySelector('[data-address-error]').hidden")
        screenshot(page, "phone-address-sheet-error")
        assert dialog.locator("[data-address-error]").inner_text() == (
            "Postal code: Use 2 to 12 letters, digits, spaces or dashes.")
        assert dialog.is_visible()
        assert api.get("/api/v1/me/orders", headers=emily.headers).json()["items"] == []
        dialog.get_by_label("Postal code").fill("60606")
        dialog.get_by_role("button", name="Buy now").click()
        until(page, "document.querySelector('[data-buy-outcome]').textContent.startsWith('Bought!')")
        book = api.get("/api/v1/me/addresses", headers=emily.headers).json()["items"]
        assert [(a["line1"], a["line2"], a["region"], a["country"], a["is_default"]) for a in book] == [
            ("233 South Wacker Drive", "Apt 41", "IL", "US", True)]
        orders = api.get("/api/v1/me/orders", headers=emily.headers).json()["items"]
        assert orders[0]["shipping"]["postal_code"] == "60606"
        assert not page.errors, page.errors
    finally:
        context.close()


def test_on_a_desktop_the_first_tap_asks_once_and_the_book_answers_after(world, chromium, app_server, api):
    pierre, show = world["pierre"], world["show"]
    context, page = logged_in_page(chromium, app_server.url, pierre, f"/shows/{show['id']}", **DESKTOP,
                                   locale="fr-FR")
    try:
        until(page, "window.livestallShow?.room && document.querySelectorAll('[data-shelf-items] li').length === 2")
        card = page.locator("[data-shelf-items] li", has_text="Yak wool cardigan")
        card.locator("[data-buy]").click()
        dialog = page.locator("[data-address-dialog]")
        dialog.get_by_label("Nom complet").fill("Pierre Martin")
        dialog.get_by_label("Adresse", exact=True).fill("14 rue de la République")
        dialog.get_by_label("Ville").fill("Lyon")
        dialog.get_by_label("Code postal").fill("69002")
        dialog.get_by_label("Téléphone (facultatif)").fill("+33 6 55 50 01 05")
        dialog.locator("button[value=ok]").click()
        result = f"document.querySelector('[data-product-id=\"{world['cardigan']['id']}\"] [data-buy-result]')"
        until(page, f"{result}?.textContent.includes('LS')")
        first = api.get("/api/v1/me/orders", headers=pierre.headers).json()["items"][0]["ref"]
        card.locator("[data-buy]").click()  # the second tap: straight from the book, no question
        until(page, f"(t => t.includes('LS') && !t.includes('{first}'))({result}?.textContent || '')")
        assert not dialog.is_visible()
        orders = api.get("/api/v1/me/orders", headers=pierre.headers).json()["items"]
        assert len(orders) == 2
        assert {o["shipping"]["line1"] for o in orders} == {"14 rue de la République"}
        book = api.get("/api/v1/me/addresses", headers=pierre.headers).json()["items"]
        assert [(a["city"], a["country"], a["is_default"]) for a in book] == [("Lyon", "FR", True)]
        assert not page.errors, page.errors
    finally:
        context.close()


def test_the_address_book_page_on_a_phone_in_spanish(world, chromium, app_server, api, screenshot):
    buyer = register(api, display_name="Lucía", language="es", country="ES")
    context, page = phone_page(chromium, app_server.url, buyer, "/account/addresses", locale="es-ES")
    try:
        assert page.locator("h1").inner_text() == "Mis direcciones"
        assert page.locator("[data-addresses-empty]").is_visible()
        form = page.locator("[data-address-book-form]")
        form.get_by_label("Nombre completo").fill("Lucía Fernández")
        form.get_by_label("Dirección", exact=True).fill("Calle de Alcalá 50")
        form.get_by_label("Ciudad").fill("Madrid")
        form.get_by_label("Código postal").fill("28014")
        form.get_by_label("Teléfono (opcional)").fill("llámame")
        assert form.get_by_label("País (dos letras, como ES)").input_value() == "ES"  # from the profile
        form.get_by_role("button", name="Guardar").click()
        error = form.locator("[data-field-error=phone]")
        error.wait_for()
        assert error.inner_text().startswith("Usa cifras, espacios o guiones")
        assert form.get_by_label("Teléfono (opcional)").get_attribute("aria-invalid") == "true"
        form.get_by_label("Teléfono (opcional)").fill("+34 91 555 0000")
        form.get_by_role("button", name="Guardar").click()
        page.locator("[data-address-id]").first.wait_for()
        first = page.locator("[data-address-id]")
        assert first.count() == 1 and "Predeterminada" in first.inner_text()
        # a second one, then it becomes the default
        form.get_by_label("Nombre completo").fill("Lucía Fernández")
        form.get_by_label("Dirección", exact=True).fill("Gran Vía 1")
        form.get_by_label("Ciudad").fill("Madrid")
        form.get_by_label("Código postal").fill("28013")
        form.get_by_role("button", name="Guardar").click()
        until(page, "document.querySelectorAll('[data-address-id]').length === 2")
        gran_via = page.locator("[data-address-id]", has_text="Gran Vía 1")
        gran_via.get_by_role("button", name="Hacer predeterminada").click()
        until(page, "document.querySelector('[data-address-id][data-default]')?.textContent.includes('Gran Vía 1')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "phone-addresses-es", full_page=True)
        book = api.get("/api/v1/me/addresses", headers=buyer.headers).json()["items"]
        assert [(a["line1"], a["is_default"]) for a in book] == [("Gran Vía 1", True), ("Calle de Alcalá 50", False)]
        # edit the other one in place, then delete it
        page.once("dialog", lambda d: d.accept())
        old = page.locator("[data-address-id]", has_text="Calle de Alcalá 50")
        old.get_by_role("button", name="Editar").click()
        assert form.get_by_label("Dirección", exact=True).input_value() == "Calle de Alcalá 50"
        form.get_by_label("Dirección", exact=True).fill("Calle de Alcalá 52")
        form.get_by_role("button", name="Guardar").click()
        until(page, "document.body.textContent.includes('Calle de Alcalá 52')")
        page.once("dialog", lambda d: d.accept())
        page.locator("[data-address-id]", has_text="Calle de Alcalá 52").get_by_role("button", name="Borrar").click()
        until(page, "document.querySelectorAll('[data-address-id]').length === 1")
        assert [a["line1"] for a in api.get("/api/v1/me/addresses", headers=buyer.headers).json()["items"]] == [
            "Gran Vía 1"]
        assert not page.errors, page.errors
    finally:
        context.close()


def test_the_seller_sees_the_whole_address_and_ships_with_the_tracking_form(world, chromium, app_server, api,
                                                                             screenshot):
    host, order = world["host"], world["wang_order"]
    wang_address = {**ADDRESS, "line2": "Flat 1203", "region": "Shanghai"}
    second = buy(api, world["wang"], world["show"]["id"], world["cardigan"]["id"], pay_with="wallet",
                 shipping=wang_address)
    assert second.json()["status"] == "paid"
    context, page = logged_in_page(chromium, app_server.url, host, f"/manage/shops/{world['shop']['id']}",
                                   **DESKTOP, locale="en-US")
    try:
        card = page.locator(f"[data-order-id='{second.json()['id']}']")
        address = card.locator("[data-ship-to]").inner_text()
        for part in ("Wang Fang", "88 Nanjing Road", "Flat 1203", "200001 Shanghai, Shanghai", "CN",
                     "+86 21 5555 0000"):
            assert part in address, address
        card.get_by_role("button", name="Ship").click()
        form = card.locator("[data-ship-form]")
        assert form.is_visible()
        form.get_by_label("Tracking number").fill("no spaces allowed")
        form.get_by_label("Carrier (optional)").fill("SF Express")
        form.get_by_role("button", name="Mark shipped").click()
        error = form.locator("[data-field-error=tracking_number]")
        error.wait_for()
        assert error.inner_text() == "Use 3 to 64 letters, digits or dashes, starting with a letter or a digit."
        assert api.get(f"/api/v1/orders/{second.json()['id']}", headers=host.headers).json()["status"] == "paid"
        screenshot(page, "shop-order-tracking-form")
        form.get_by_label("Tracking number").fill("SF1234567890")
        form.get_by_role("button", name="Mark shipped").click()
        until(page, f"document.querySelector(\"[data-order-id='{second.json()['id']}'] [data-status-label]\")"
                    ".textContent === 'Shipped'")
        assert card.locator("[data-tracking]").inner_text() == "Tracking number: SF1234567890 · SF Express"
        assert card.locator("[data-ship-form]").count() == 0
        shipped = api.get(f"/api/v1/orders/{second.json()['id']}", headers=host.headers).json()
        assert (shipped["status"], shipped["tracking_number"], shipped["carrier"]) == (
            "shipped", "SF1234567890", "SF Express")
        # the other paid order is still to ship, and the orders view links to its packing slips
        assert api.get(f"/api/v1/orders/{order['id']}", headers=host.headers).json()["status"] == "paid"
        page.reload()
        link = page.get_by_role("link", name=re.compile(r"^Print packing slips: "))
        slips_url = f"/manage/shops/{world['shop']['id']}/packing-slips?show={world['show']['id']}"
        assert link.get_attribute("href") == slips_url
        assert not page.errors, page.errors
    finally:
        context.close()


def test_packing_slips_print_one_page_per_parcel_in_both_languages(world, chromium, app_server, api, browser,
                                                                   screenshot):
    host, shop, show = world["host"], world["shop"], world["show"]
    sofia_paid = buy(api, world["sofia"], show["id"], world["scarf"]["id"], option="S", pay_with="wallet",
                     shipping=SOFIA_HOME).json()
    context, page = logged_in_page(chromium, app_server.url, host, f"/manage/shops/{shop['id']}", **DESKTOP,
                                   locale="en-US")
    try:
        page.get_by_role("link", name=re.compile(r"^Print packing slips: ")).click()
        page.wait_for_url(re.compile(r"/packing-slips\?show="))
        paid = [o for o in api.get(f"/api/v1/shops/{shop['id']}/orders", params={"status": "paid",
                                                                               "show_id": show["id"]},
                                   headers=host.headers).json()["items"]]
        slips = page.locator("[data-slip]")
        assert slips.count() == len(paid) >= 2
        sofia_slip = page.locator(f"[data-slip='{sofia_paid['ref']}']")
        assert sofia_slip.get_attribute("lang") == "es"
        text = sofia_slip.inner_text()
        for part in ("Albarán", "Packing slip", "Enviar a", "Ship to", "Artículo", "Item", "Cantidad", "Quantity",
                     sofia_paid["ref"], "Hand-knitted wool scarf", "Calle Mayor 12", "3º B", "28013 Madrid, Madrid",
                     "+34 600 555 104", shop["name"], "¡Gracias por tu pedido!"):
            assert part in text, (part, text)
        wang_slip = page.locator(f"[data-slip='{world['wang_order']['ref']}']")
        assert wang_slip.get_attribute("lang") == "zh" and "装箱单" in wang_slip.inner_text()
        assert "Packing slip" in wang_slip.inner_text()
        # printed: no page chrome, and each slip ends its page
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == "none"
        assert page.evaluate("getComputedStyle(document.querySelector('.slips-tools')).display") == "none"
        breaks = page.evaluate("[...document.querySelectorAll('[data-slip]')].map(s => getComputedStyle(s).breakAfter)")
        assert breaks == ["page"] * (len(breaks) - 1) + ["auto"]
        page.emulate_media(media="screen")
        screenshot(page, "packing-slips", full_page=True)
        assert not page.errors, page.errors
    finally:
        context.close()

    # chosen orders by id; another shop's order is unknown, an unpaid one is refused
    client = browser("en")
    client.log_in(host.email)
    one = client.get(f"/manage/shops/{shop['id']}/packing-slips", params={"order": [sofia_paid["id"]]})
    assert one.status_code == 200 and one.text.count("data-slip=") == 1
    reserved = buy(api, world["emily"], show["id"], world["scarf"]["id"], option="S").json()
    assert reserved["status"] == "reserved"
    refused = client.get(f"/manage/shops/{shop['id']}/packing-slips", params={"order": [reserved["id"]]})
    assert refused.status_code == 409
    stranger = register(api, roles=["seller"])
    other = client.get(f"/manage/shops/{shop['id']}/packing-slips", params={"order": [999999]})
    assert other.status_code == 404
    outsider = browser("en")
    outsider.log_in(stranger.email)
    assert outsider.get(f"/manage/shops/{shop['id']}/packing-slips").status_code == 403


def test_the_order_cards_tracking_form_and_slips_fit_a_phone(world, chromium, app_server, screenshot):
    host, shop = world["host"], world["shop"]
    context, page = logged_in_page(chromium, app_server.url, host, f"/manage/shops/{shop['id']}", **PHONE,
                                   locale="en-US")
    try:
        card = page.locator("[data-order-id]", has=page.get_by_role("button", name="Ship")).first
        card.get_by_role("button", name="Ship").click()
        card.locator("[data-ship-form]").wait_for()
        card.scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "phone-shop-order-tracking-form")
        page.goto(f"/manage/shops/{shop['id']}/packing-slips")
        assert page.locator("[data-slip]").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "phone-packing-slips")
        assert not page.errors, page.errors
    finally:
        context.close()
