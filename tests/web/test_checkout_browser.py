"""Paying in a live show on a 390 x 844 touch phone in Chromium: the buy sheet says what is missing before the tap
(a short wallet, with the way to top up; no address), a voucher code shows its discount before paying and pays
less, a wrong code says its rule in the viewer's language, and a voucher the host pins from the studio is used on
the viewer's phone in one tap."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.festivals.support import fund, wallet_balance
from tests.helpers import make_product, make_shop, make_show, register, unique
from tests.helpers_db import make_operator
from tests.web.conftest import DESKTOP
from tests.web.support import SHEETS_SETTLED, until

ADDRESS = {"name": "Lucía Pérez", "line1": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013", "country": "ES"}

# Links, buttons and fields in the open buy sheet that are smaller than a 44 x 44 px tap target.
SMALL_TARGETS = """[...document.querySelectorAll('dialog[open] :is(a, button, input)')]
  .filter((e) => e.getClientRects().length && !e.closest('[hidden], .sr-only, .chip'))
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.width > 1 && (r.width < 44 || r.height < 44))
  .map(([e, r]) => `${e.tagName} ${(e.textContent || e.placeholder || '').trim().slice(0, 20)}`
    + ` ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def small_targets(page) -> list[str]:
    """Controls in the open sheet under 44 px, once it has settled."""
    until(page, SHEETS_SETTLED)
    return page.evaluate(SMALL_TARGETS)


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


# Set up before the module's Chromium starts (tests name it first): making the operator runs its own event loop,
# which Playwright's would refuse.
@pytest.fixture(scope="module")
def world(api, app_server, database_url):
    """A live show of a shop selling a 128.00 CNY scarf, in a running festival with a 30.00 off platform voucher
    (from 100.00) and the shop's own 10% voucher; another shop's voucher; the operator who funds wallets."""
    operator = make_operator(api, database_url)
    host = register(api, roles=["seller", "host"], display_name=unique("Host"))
    shop = make_shop(api, host, name=unique("Wardrobe"))
    scarf = make_product(api, host, shop["id"], title="Silk scarf", price_minor=12800, stock=50)
    show = make_show(api, host, shop["id"], title=unique("Silk evening"), minutes_ahead=5)
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
    assert api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": scarf["id"]},
                    headers=host.headers).status_code == 200
    other_host = register(api, roles=["seller", "host"])
    other_shop = make_shop(api, other_host, name=unique("Pearls"))
    now = datetime.now(timezone.utc)
    festival = api.post("/api/v1/festivals", headers=operator.headers, json={
        "name": "Singles' Day", "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(), "shop_ids": [shop["id"], other_shop["id"]]})
    assert festival.status_code == 201, festival.text

    def voucher(actor, **fields) -> str:
        code = unique("V").replace("-", "").upper()
        made = api.post(f"/api/v1/festivals/{festival.json()['id']}/vouchers", headers=actor.headers,
                        json={"code": code, **fields})
        assert made.status_code == 201, made.text
        return code

    return {"operator": operator, "host": host, "shop": shop, "scarf": scarf, "show": show,
            "platform_voucher": voucher(operator, amount_off_minor=3000, min_spend_minor=10000, per_user_limit=5),
            "shop_voucher": voucher(host, shop_id=shop["id"], percent_off=10),
            "other_voucher": voucher(other_host, shop_id=other_shop["id"], percent_off=10)}


def buyer(api, world, *, wallet_minor: int, address: bool = True, **fields):
    """A viewer with this much in the wallet and, unless told otherwise, a delivery address in the book."""
    viewer = register(api, **fields)
    if wallet_minor:
        fund(api, world["operator"], viewer, wallet_minor)
    if address:
        added = api.post("/api/v1/me/addresses", headers=viewer.headers, json=ADDRESS)
        assert added.status_code == 201, added.text
    return viewer


def open_buy_sheet(page):
    """From the bag, the scarf's buy sheet, drawn with the wallet read."""
    until(page, "window.livestallShow?.room && document.querySelector('[data-bag-count]')?.textContent === '1'")
    page.locator("button[data-open-sheet=bag]").click()
    page.locator("dialog[data-sheet=bag] [data-shelf-items] li", has_text="Silk scarf").locator("[data-buy]").click()
    sheet = page.locator("dialog[data-sheet=buy]")
    sheet.wait_for()
    until(page, "document.querySelector('[data-buy-wallet]').textContent !== '…'")
    return sheet


def test_a_short_wallet_and_a_missing_address_are_said_before_the_tap(api, world, open_page, screenshot):
    viewer = buyer(api, world, wallet_minor=1200, address=False)
    page = open_page(f"/shows/{world['show']['id']}", viewer)
    sheet = open_buy_sheet(page)
    missing = sheet.locator("[data-buy-wallet-short]")
    until(page, "document.querySelector('[data-buy-wallet-short] [data-top-up]')")
    assert missing.is_visible()
    lines = missing.locator("li").all_text_contents()
    assert "No delivery address yet. Add an address" in lines
    assert "Your wallet holds CN¥12.00: CN¥116.00 short. Top up" in lines
    assert missing.get_by_role("link", name="Top up").get_attribute("href") == "/account/wallet"
    assert sheet.locator("[data-buy-wallet]").inner_text() == "CN¥12.00"
    assert sheet.get_by_role("radio", name="Wallet").is_checked()
    assert sheet.get_by_role("radio", name="Card").count() == 0  # Stripe is not configured here
    assert small_targets(page) == []
    screenshot(page, "checkout-wallet-short")

    # two more: the shortfall follows the total, before any tap on "Buy now"
    sheet.get_by_role("button", name="One more").click()
    until(page, "[...document.querySelectorAll('[data-buy-wallet-short] li')]"
                ".some((li) => li.textContent.includes('CN¥244.00 short'))")
    # the address line's button opens the address sheet
    missing.get_by_role("button", name="Add an address").click()
    until(page, "document.querySelector('[data-address-dialog]').open")
    assert api.get("/api/v1/me/orders", headers=viewer.headers).json()["items"] == []
    assert not page.errors, page.errors


def test_a_voucher_code_shows_its_discount_before_paying_and_pays_less(api, world, open_page, screenshot):
    viewer = buyer(api, world, wallet_minor=20000)
    page = open_page(f"/shows/{world['show']['id']}", viewer)
    sheet = open_buy_sheet(page)
    until(page, "document.querySelector('[data-buy-wallet-short]').hidden")  # 200.00 pays 128.00
    sheet.get_by_label("Voucher").fill(world["platform_voucher"].lower())
    sheet.get_by_role("button", name="Apply").click()
    until(page, "!document.querySelector('[data-to-pay-line]').hidden")
    assert sheet.locator("[data-voucher-discount]").inner_text() == "−CN¥30.00"
    assert sheet.locator("[data-to-pay]").inner_text() == "CN¥98.00"
    assert sheet.locator("[data-voucher-result]").inner_text() == f"Voucher {world['platform_voucher']} applied."
    assert wallet_balance(api, viewer) == 20000  # nothing paid before the tap
    # a second unit: the discount is quoted again for the new total
    sheet.get_by_role("button", name="One more").click()
    until(page, "document.querySelector('[data-to-pay]').textContent === 'CN¥226.00'"
                " && !document.querySelector('[data-to-pay-line]').hidden")
    # and that is more than the wallet holds: said before the tap
    until(page, "document.querySelector('[data-buy-wallet-short]').textContent.includes('CN¥26.00 short')")
    sheet.get_by_role("button", name="One fewer").click()
    until(page, "document.querySelector('[data-to-pay]').textContent === 'CN¥98.00'"
                " && !document.querySelector('[data-to-pay-line]').hidden")
    until(page, "document.querySelector('[data-buy-wallet-short]').hidden")
    assert small_targets(page) == []
    screenshot(page, "checkout-voucher")

    sheet.get_by_role("button", name="Buy now").click()
    until(page, "document.querySelector('[data-buy-outcome]').textContent.startsWith('Bought!')")
    assert "The voucher took CN¥30.00 off." in sheet.locator("[data-buy-outcome]").inner_text()
    orders = api.get("/api/v1/me/orders", headers=viewer.headers).json()["items"]
    assert [(o["status"], o["total"]["amount_minor"], o["payment_provider"]) for o in orders] == [
        ("paid", 12800, "voucher")]
    assert wallet_balance(api, viewer) == 20000 - 9800
    until(page, "document.querySelector('[data-buy-wallet]').textContent === 'CN¥102.00'")
    assert sheet.get_by_label("Voucher").input_value() == ""  # spent: the next purchase pays in full
    assert not page.errors, page.errors


def test_a_wrong_code_says_its_rule_in_spanish_and_orders_nothing(api, world, open_page, screenshot):
    viewer = buyer(api, world, wallet_minor=50000, language="es")
    page = open_page(f"/shows/{world['show']['id']}", viewer, language="es-ES")
    sheet = open_buy_sheet(page)
    code = sheet.get_by_label("Cupón")
    result = sheet.locator("[data-voucher-result]")
    for typed, said in [("NOSUCHCODE1", "No existe ningún cupón con este código."),
                        (world["other_voucher"], "Este cupón no es para esta tienda.")]:
        code.fill(typed)
        sheet.get_by_role("button", name="Aplicar").click()
        until(page, f"document.querySelector('[data-voucher-result]').textContent === {said!r}")
        assert "bad" in result.get_attribute("class")
        assert sheet.locator("[data-to-pay-line]").is_hidden()
    screenshot(page, "checkout-voucher-refused-es")
    # a tap on the button with the refused code orders nothing and says why again
    sheet.locator("[data-buy-submit]").click()
    until(page, "document.querySelector('[data-buy-outcome]').textContent === 'Este cupón no es para esta tienda.'")
    assert api.get("/api/v1/me/orders", headers=viewer.headers).json()["items"] == []
    assert not page.errors, page.errors


def test_the_host_pins_a_voucher_in_the_studio_and_the_viewer_uses_it_in_one_tap(api, world, open_page, screenshot):
    show_id, code = world["show"]["id"], world["shop_voucher"]
    viewer = buyer(api, world, wallet_minor=50000)
    page = open_page(f"/shows/{show_id}", viewer)
    until(page, "window.livestallShow?.room && document.querySelector('[data-bag-count]')?.textContent === '1'")

    studio = open_page(f"/studio/shows/{show_id}", world["host"], device=DESKTOP)
    panel = studio.locator("[data-voucher-panel]")
    until(studio, f"[...document.querySelectorAll('[data-voucher-pick] option')].some((o) => o.value === {code!r})")
    options = panel.locator("[data-voucher-pick] option").evaluate_all("(os) => os.map((o) => o.value)")
    assert world["other_voucher"] not in options  # another shop's voucher is not offered
    panel.get_by_label("Voucher").select_option(code)
    panel.get_by_role("button", name="Pin voucher").click()
    until(studio, f"document.querySelector('[data-voucher-pinned-now]').textContent.includes({code!r})")
    assert api.get(f"/api/v1/shows/{show_id}/voucher").json()["voucher"]["code"] == code
    screenshot(studio, "checkout-studio-voucher")

    # on a desktop the voucher sits above the shelf's cards
    desk = open_page(f"/shows/{show_id}", register(api), device=DESKTOP)
    until(desk, "!document.querySelector('[data-shelf-voucher]').hidden")
    assert desk.locator("[data-shelf-voucher] [data-pinned-voucher-code]").inner_text() == code
    screenshot(desk, "checkout-pinned-voucher-desktop")

    # the room tells the viewer at once: the voucher is on the shelf, in the bag
    page.locator("button[data-open-sheet=bag]").click()
    card = page.locator("dialog[data-sheet=bag] [data-shelf-voucher]")
    until(page, "!document.querySelector('dialog[data-sheet=bag] [data-shelf-voucher]').hidden")
    assert card.locator("[data-pinned-voucher-code]").inner_text() == code
    assert card.locator("[data-pinned-voucher-off]").inner_text() == "10% off"
    screenshot(page, "checkout-pinned-voucher")
    card.get_by_role("button", name="Use").click()
    until(page, "document.querySelector('[data-voucher-use]').getAttribute('aria-pressed') === 'true'")
    page.locator("dialog[data-sheet=bag] [data-shelf-items] li", has_text="Silk scarf").locator("[data-buy]").click()
    sheet = page.locator("dialog[data-sheet=buy]")
    sheet.wait_for()
    assert sheet.get_by_label("Voucher").input_value() == code
    until(page, "document.querySelector('[data-to-pay]').textContent === 'CN¥115.20'"
                " && !document.querySelector('[data-to-pay-line]').hidden")
    assert sheet.locator("[data-voucher-discount]").inner_text() == "−CN¥12.80"
    sheet.get_by_role("button", name="Buy now").click()
    until(page, "document.querySelector('[data-buy-outcome]').textContent.startsWith('Bought!')")
    assert wallet_balance(api, viewer) == 50000 - 11520

    # the host takes it down: it leaves the viewer's shelf
    studio.get_by_role("button", name="Unpin voucher").click()
    until(page, "document.querySelector('[data-shelf-voucher]').hidden")
    assert api.get(f"/api/v1/shows/{show_id}/voucher").json()["voucher"] is None
    assert not page.errors and not studio.errors, (page.errors, studio.errors)
