"""Giveaways and coupons in Chromium: a viewer on a 390x844 touch phone enters a giveaway and claims a coupon in one
tap each, sees the draw and its verify link; the studio starts one; the verify page redoes the draw."""

from __future__ import annotations

import pytest

from tests.giveaways.support import pin_coupon, start_giveaway
from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import ADDRESS, live_shop
from tests.web.conftest import DESKTOP, chromium, open_page, screenshot  # noqa: F401
from tests.web.support import until

pytestmark = pytest.mark.slow

# Controls of the giveaway card and coupon chips smaller than a fingertip (44 px), or overlapping each other.
SMALL_TARGETS = """[...document.querySelectorAll('[data-giveaways] :is(a, button)')]
  .filter((e) => e.getClientRects().length && !e.closest('[hidden]'))
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.width < 44 || r.height < 44)
  .map(([e, r]) => `${e.tagName} ${e.textContent.trim()} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
INSIDE_SCREEN = """(() => { const r = document.querySelector('[data-giveaways]').getBoundingClientRect();
  return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; })()"""
CLEAR_OF_PINNED = """(() => { const a = document.querySelector('[data-giveaways]').getBoundingClientRect();
  const p = document.querySelector('[data-phone-pinned]'); if (!p || p.hidden) return true;
  const b = p.getBoundingClientRect(); return a.bottom <= b.top || a.top >= b.bottom || a.right <= b.left || a.left >= b.right; })()"""


def test_a_phone_viewer_enters_a_giveaway_and_claims_a_coupon(api, app_server, open_page, screenshot):  # noqa: F811
    world = live_shop(api, price_minor=12800, stock=10, title="Silk scarf")
    seller, show_id = world["seller"], world["show"]["id"]
    viewer = register(api, display_name="Mei")
    assert api.post("/api/v1/me/addresses", headers=viewer.headers, json=ADDRESS).status_code == 201
    coupon = pin_coupon(api, seller, show_id, amount_off_minor=2000, quota=3)
    giveaway = start_giveaway(api, seller, show_id, title="Lucky bag", prize="product",
                              product_id=world["product"]["id"], duration_s=600, amount_minor=None)

    page = open_page(f"/shows/{show_id}", viewer)
    until(page, "window.livestallShow?.room && !document.querySelector('[data-giveaway]').hidden")
    card = page.locator("[data-giveaway]")
    assert card.locator("[data-giveaway-prize]").inner_text() == "Prize: Silk scarf · Winners: 1"
    assert card.locator("[data-giveaway-rule]").inner_text() == "Everyone watching may enter."
    until(page, "/Ends in \\d+:\\d\\d/.test(document.querySelector('[data-giveaway-countdown]').textContent)")
    chip = page.locator(f"[data-coupon-id='{coupon['id']}']")
    assert chip.locator("[data-off]").inner_text() == "CN¥20.00 off" and "3 left" in chip.inner_text()
    screenshot(page, "giveaway-phone")
    assert page.evaluate(SMALL_TARGETS) == []
    assert page.evaluate(INSIDE_SCREEN) and page.evaluate(CLEAR_OF_PINNED)

    card.get_by_role("button", name="Enter").tap()
    until(page, "document.querySelector('[data-giveaway-enter]').textContent === 'You are in ✓'")
    entered = api.get(f"/api/v1/giveaways/{giveaway['id']}", headers=viewer.headers).json()
    assert entered["entered"] is True and entered["entries"] == 1
    until(page, "document.querySelector('[data-giveaway-entries]').textContent === 'Entries: 1'")

    chip.get_by_role("button", name="Claim").tap()
    until(page, "document.querySelector('[data-coupon-id] [data-left]').textContent.startsWith('Claimed: LIVE')")
    claims = api.get(f"/api/v1/shows/{show_id}/coupons", headers=viewer.headers).json()
    assert len(claims["claimed"]) == 1 and claims["items"][0]["remaining"] == 2
    code = claims["claimed"][0]["code"]
    chip.get_by_role("button", name="Use").tap()  # into the buy sheet's voucher field
    assert page.locator("[data-voucher-code]").input_value() == code
    page.keyboard.press("Escape")

    assert api.post(f"/api/v1/giveaways/{giveaway['id']}/draw", headers=seller.headers).status_code == 200
    until(page, "document.querySelector('[data-giveaway-result]').textContent.startsWith('You won! Order')")
    until(page, "document.querySelector('[data-giveaway-winners]').textContent === 'Winners: Mei'")
    assert card.get_by_role("link", name="Verify the draw").get_attribute("href") == f"/giveaways/{giveaway['id']}/verify"
    screenshot(page, "giveaway-phone-won")
    orders = api.get("/api/v1/me/orders", headers=viewer.headers).json()["items"]
    assert [(o["total"]["amount_minor"], o["status"]) for o in orders] == [(0, "paid")]
    assert not page.errors, page.errors

    # the verify page redoes the draw in the browser
    page.goto(f"/giveaways/{giveaway['id']}/verify")
    until(page, "document.querySelector('[data-giveaway-verify]')?.dataset.verified === 'true'")
    assert "The draw checks out" in page.locator("[data-verify-verdict]").inner_text()
    assert "Mei" in page.locator("[data-verify-entries]").inner_text()
    screenshot(page, "giveaway-verify")
    assert not page.errors, page.errors

    # a record changed after the draw no longer checks out
    run_sql(app_server.database_url, "UPDATE giveaways SET seed = :s WHERE id = :id", s="0" * 64, id=giveaway["id"])
    page.reload()
    until(page, "document.querySelector('[data-giveaway-verify]')?.dataset.verified === 'false'")
    assert "does not check out" in page.locator("[data-verify-verdict]").inner_text()
    assert api.get(f"/api/v1/giveaways/{giveaway['id']}/verification").json()["verified"] is False


def test_the_studio_starts_a_giveaway_and_pins_a_coupon_in_arabic(api, app_server, open_page, screenshot):  # noqa: F811
    world = live_shop(api, title="Silk scarf")
    seller, show_id = world["seller"], world["show"]["id"]
    studio = open_page(f"/studio/shows/{show_id}", seller, device=DESKTOP)
    panel = studio.locator("[data-studio-giveaway]")
    form = panel.locator("[data-gw-form]")
    form.locator("select[name=prize]").select_option("voucher")
    form.locator("input[name=amount]").fill("8.50")
    form.locator("select[name=eligibility]").select_option("keyword")
    form.locator("input[name=keyword]").fill("bag")
    form.get_by_role("button", name="Start the giveaway").click()
    until(studio, "!document.querySelector('[data-gw-live]').hidden")
    started = api.get(f"/api/v1/shows/{show_id}/giveaways").json()["items"][-1]
    assert (started["prize"], started["amount"]["amount_minor"], started["keyword"]) == ("voucher", 850, "bag")
    cp = panel.locator("[data-cp-form]")
    cp.locator("input[name=value]").fill("abc")
    cp.get_by_role("button", name="Pin coupon").click()
    until(studio, "!document.querySelector('[data-cp-error]').hidden")
    assert api.get(f"/api/v1/shows/{show_id}/coupons").json()["items"] == []  # refused, nothing pinned
    cp.locator("input[name=value]").fill("5")
    cp.get_by_role("button", name="Pin coupon").click()
    until(studio, "document.querySelectorAll('[data-cp-list] li').length === 1")
    screenshot(studio, "giveaway-studio")

    # the studio on a phone: the same panel, under "More"
    host_phone = open_page(f"/studio/shows/{show_id}", seller)
    host_phone.locator("[data-ph-more]").tap()
    host_phone.locator("[data-studio-giveaway]").scroll_into_view_if_needed()
    until(host_phone, "document.querySelector('[data-studio-giveaway] [data-gw-live]').getClientRects().length > 0")
    screenshot(host_phone, "giveaway-studio-phone")
    # nothing in the panel is wider than the panel (the studio's other panels set the page's width)
    assert host_phone.evaluate("(() => { const p = document.querySelector('[data-studio-giveaway]');"
                               " return p.scrollWidth <= p.clientWidth; })()")

    phone = open_page(f"/shows/{show_id}", language="ar")  # a visitor: the page speaks their language
    until(phone, "!document.querySelector('[data-giveaway]').hidden && document.querySelectorAll('[data-coupon-id]').length === 1")
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    assert phone.evaluate(INSIDE_SCREEN)
    screenshot(phone, "giveaway-phone-ar")
    assert not studio.errors and not phone.errors, (studio.errors, phone.errors)
