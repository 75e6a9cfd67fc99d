"""A viewer checks an opening's draw in Chromium on a 390 px phone: the browser fetches the audit record and
recomputes the seed's SHA-256 and every draw (Web Crypto); a tampered record does not match; nothing is wider
than the screen."""

from __future__ import annotations

import json

from tests.orders.support import ADDRESS

import httpx
import pytest

from tests.helpers import make_show
from tests.openings.support import buy_ticket, buyer_with, live_lot, make_lot, open_ticket
from tests.web.conftest import PHONE
from tests.web.support import until

pytestmark = pytest.mark.slow

ITEMS = ["4 pearls", "3 pearls", "2 pearls", "4 pearls", "1 pearl", "5 pearls"]
VERDICT = "document.querySelector('[data-verdict]')?.dataset.verdict"
# The widest thing on the page, in CSS pixels: nothing may reach past the screen's edge (the page's content
# and its sheets; the skip link waits off screen until focused).
SHOWN = "[...document.querySelectorAll('main *, dialog *')].filter((e) => e.getClientRects().length)"
WIDEST = ("Math.max(document.documentElement.scrollWidth, "
          f"...{SHOWN}.map((e) => Math.ceil(e.getBoundingClientRect().right)))")
LEFTMOST = f"Math.min(...{SHOWN}.map((e) => Math.floor(e.getBoundingClientRect().left)))"


@pytest.fixture(scope="module")
def world(app_server):
    """Made before the browser starts (topping up a wallet runs its own event loop): a live show with a closed
    random pick (two opened, one refunded), a lot still selling, and a lot carried over and closed there."""
    with httpx.Client(base_url=app_server.url, timeout=30) as api:
        w = live_lot(api, quantity=3, random_pick=True, pick_items=ITEMS, title="Akoya oysters, one pick each")
        seller, lot, show = w["seller"], w["lot"], w["show"]
        buyers = [buyer_with(api, app_server.database_url, name=n) for n in ("Wang", "Li", "Chen")]
        tickets = [buy_ticket(api, b, lot["id"]).json() for b in buyers]
        w["drawn"] = [open_ticket(api, seller, lot["id"], t["id"], pearl_count=2).json()["drawn_item"]
                      for t in tickets[:2]]
        assert api.post(f"/api/v1/openings/{lot['id']}/close", headers=seller.headers,
                        json={"unopened": "refund"}).status_code == 200
        w["selling"] = make_lot(api, seller, show["id"], quantity=2, random_pick=True, pick_items=ITEMS,
                                title="Still selling")
        # Carried over: the follow-up lot draws its tickets at their places in the first lot's line.
        first = make_lot(api, seller, show["id"], quantity=3, random_pick=True, pick_items=ITEMS, title="Carried")
        moved = [buy_ticket(api, b, first["id"]).json() for b in buyers]
        open_ticket(api, seller, first["id"], moved[0]["id"], pearl_count=1)
        follow = make_show(api, seller, w["shop"]["id"], title="Next week", minutes_ahead=600)
        carried = api.post(f"/api/v1/openings/{first['id']}/close", headers=seller.headers,
                           json={"unopened": "follow_up", "follow_up_show_id": follow["id"]}).json()["follow_up_lot"]
        line = api.get(f"/api/v1/openings/{carried['id']}/queue", headers=seller.headers).json()["items"]
        for ticket in line:
            open_ticket(api, seller, carried["id"], ticket["id"], pearl_count=3)
        api.post(f"/api/v1/openings/{carried['id']}/close", headers=seller.headers, json={"unopened": "refund"})
        # Two openings of one lot for Wang, to ship: the address is asked once for both.
        pair = make_lot(api, seller, show["id"], quantity=2, title="Two for Wang")
        for ticket in [buy_ticket(api, buyers[0], pair["id"]).json() for _ in range(2)]:
            open_ticket(api, seller, pair["id"], ticket["id"], pearl_count=2, summary="Cream, slight blemish")
        w.update(first=first, carried=carried, buyers=buyers, pair=pair)
    return w


def test_a_viewer_verifies_a_draw_on_the_show_page_and_it_matches(world, open_page, screenshot):
    page = open_page(f"/shows/{world['show']['id']}", world["buyers"][0])
    page.get_by_role("button", name="Live openings").click()
    sheet = page.locator("dialog[data-sheet=openings]")
    lot = sheet.locator(".openings-lot", has_text="Akoya oysters, one pick each")
    seed = lot.locator(".fairness")
    assert "Seed revealed:" in seed.inner_text()
    lot.get_by_text("Verify this draw").click()
    until(page, f"{VERDICT} === 'match'")
    panel = lot.locator(".openings-verify")
    text = panel.inner_text()
    assert "How it works" in text and "The record matches" in text and "does not match" not in text
    rows = panel.locator(".verify-draws li")
    assert rows.count() == 3  # every ticket of the line, the refunded one too
    opened = panel.locator(".verify-draws li[data-ok=true]")
    assert opened.count() == 2
    for n, item in enumerate(world["drawn"]):
        assert f"recorded: {item}" in opened.nth(n).inner_text()
    assert "not opened: refunded" in rows.nth(2).inner_text()
    # The 64-character seed and the digests wrap: the phone's page stays 390 px wide.
    assert page.evaluate("window.innerWidth") == 390
    assert page.evaluate(WIDEST) <= 390, page.evaluate(WIDEST)
    screenshot(page, "phone-openings-verify")
    # A lot still selling keeps its seed secret: only the fingerprint is shown, and checked.
    selling = sheet.locator(".openings-lot", has_text="Still selling")
    selling.get_by_text("Verify this draw").click()
    selling.locator(".openings-verify", has_text="The seed stays secret").wait_for()
    assert selling.locator(".verify-step[data-ok=true]").count() == 2  # logged at set-up, shown on the page
    assert page.evaluate(WIDEST) <= 390
    assert not page.errors, page.errors


def _tampered(page, lot_id: int, change) -> None:
    """Serve the lot's audit record changed by `change`, as a dishonest server or a man in the middle would."""
    def handle(route):
        record = route.fetch().json()
        change(record)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(record))

    page.route(f"**/api/v1/openings/{lot_id}/audit", handle)


def test_a_tampered_record_does_not_match(world, chromium, app_server, screenshot):
    lot_id = world["lot"]["id"]
    other = next(item for item in ITEMS if item != world["drawn"][1])

    def swap_second_draw(record):
        opened = [e for e in record["entries"] if e["action"] == "opened"]
        opened[1]["data"]["outcome"]["drawn_item"] = other

    def other_seed(record):
        record["seed"] = "0" * 64

    for change, bad in ((swap_second_draw, ".verify-draws li[data-position='2']"),
                        (other_seed, ".verify-steps .verify-step:last-child")):
        context = chromium.new_context(**PHONE, locale="en-US", base_url=app_server.url)
        page = context.new_page()
        _tampered(page, lot_id, change)
        page.goto(f"/openings/{lot_id}/verify")
        until(page, f"{VERDICT} === 'mismatch'")
        assert "The record does not match" in page.locator("[data-verdict]").inner_text()
        assert page.locator(bad).get_attribute("data-ok") == "false"
        assert "does not match" in page.locator(bad).inner_text()
        assert page.evaluate(WIDEST) <= 390
        if change is swap_second_draw:
            assert page.locator(".verify-draws li[data-position='1']").get_attribute("data-ok") == "true"
            screenshot(page, "phone-openings-verify-tampered", full_page=True)
        context.close()


def test_a_carried_lot_is_checked_at_its_first_places_and_the_first_lot_points_to_it(world, open_page):
    page = open_page(f"/openings/{world['carried']['id']}/verify")
    until(page, f"{VERDICT} === 'match'")
    rows = page.locator(".verify-draws li")
    assert rows.count() == 2 and "place 2 in line" in rows.nth(0).inner_text()  # its place in the first lot
    first = open_page(f"/openings/{world['first']['id']}/verify")
    first.get_by_role("link", name="Verify the follow-up lot").wait_for()
    assert "the seed is revealed when that lot closes" in first.locator("[data-verify-box]").inner_text()
    assert not page.errors and not first.errors


def test_my_openings_asks_the_address_once_per_lot(world, open_page, api, screenshot):
    wang, pair = world["buyers"][0], world["pair"]
    page = open_page("/account/openings", wang)
    forms = page.locator(f"form[data-lot='{pair['id']}']")
    assert forms.count() == 2 and page.locator(f"[data-address-for='{pair['id']}'] input").count() == 5
    assert "Farmer's note" in page.locator(f"li:has(form[data-lot='{pair['id']}'])").first.inner_text()
    asking = page.locator(f"form[data-lot='{pair['id']}']:has([data-address-for])")
    other = page.locator(f"form[data-lot='{pair['id']}']:has([data-address-elsewhere])")
    for name in ("name", "line1", "city", "postal_code", "country"):
        asking.locator(f"input[name={name}]").fill(ADDRESS[name])
    assert page.evaluate(WIDEST) <= 390
    screenshot(page, "phone-my-openings-address", full_page=True)
    other.get_by_role("button", name="Ship it to me").click()  # ships to the address typed once, above
    page.wait_for_load_state()
    until(page, f"document.querySelectorAll(\"form[data-lot='{pair['id']}']\").length === 1")
    left = page.locator(f"form[data-lot='{pair['id']}']")
    assert f"Ships to: {ADDRESS['name']}, {ADDRESS['line1']}" in left.inner_text()
    assert left.locator("input[required]").count() == 0  # nothing to type again
    left.get_by_role("button", name="Ship it to me").click()
    until(page, f"document.querySelectorAll(\"form[data-lot='{pair['id']}']\").length === 0")
    orders = api.get("/api/v1/me/orders", headers=wang.headers).json()["items"]
    mine = [o for o in orders if o["total"]["amount_minor"] == 0 and o["shipping"]["line1"] == ADDRESS["line1"]]
    assert len(mine) == 2
    assert page.evaluate(WIDEST) <= 390
    assert not page.errors, page.errors


def test_the_check_on_a_desktop_and_in_arabic(world, chromium, app_server, screenshot):
    lot_id = world["lot"]["id"]
    for options, name in (({"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}, "desktop"),
                          ({**PHONE, "locale": "ar"}, "ar")):
        context = chromium.new_context(**options, base_url=app_server.url)
        page = context.new_page()
        page.goto(f"/openings/{lot_id}/verify")
        until(page, f"{VERDICT} === 'match'")
        if name == "ar":
            assert page.evaluate("document.documentElement.dir") == "rtl"
            assert "مطابق" in page.locator("[data-verdict]").inner_text()
            assert page.evaluate(WIDEST) <= 390 and page.evaluate(LEFTMOST) >= 0
        screenshot(page, f"openings-verify-{name}", full_page=True)
        context.close()
