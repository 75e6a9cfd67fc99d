"""The show page on a phone, in Chromium emulating one (390 x 844, touch): the full-screen vertical player with its
overlays, the bag and the buy sheet buying over the room, swiping to the next live show, Arabic mirrored, and the
desktop layout as it was. Two real RTMP streams feed it: a portrait one and a landscape one."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.helpers import make_show, register, unique
from tests.helpers_db import make_operator
from tests.media.support import have_media_tools, playlist, rtmp_publisher, stream_key
from tests.orders.support import flash_sale, top_up
from tests.room_client import RoomClient
from tests.web.conftest import DESKTOP
from tests.web.support import live_world
from tests.web.support import SHEETS_SETTLED, until

pytestmark = pytest.mark.slow
MARKET = "IS"  # no other test's shows are for this market: the feed of these viewers starts with ours


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


# Set up before the module's Chromium starts (tests name it first): the operator and the top-up run their own
# event loop, which Playwright's would refuse.
@pytest.fixture(scope="module")
def world(api, app_server, database_url):
    """Two live shows for Iceland in English (a portrait stream, then a landscape one started after it), a festival
    the first show's shop takes part in, a flash sale and an opening lot; a viewer paying in euros with a wallet."""
    w = live_world(api, language="en", market=MARKET)
    show = w["show"]
    assert api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": w["cardigan"]["id"]},
                    headers=w["host"].headers).status_code == 200
    flash_sale(api, w["host"], show["id"], w["cardigan"]["id"], units=5)
    lot = api.post(f"/api/v1/shows/{show['id']}/openings", headers=w["host"].headers,
                   json={"kind": "oyster", "title": "Akoya oyster", "price_minor": 3000, "quantity": 10})
    assert lot.status_code == 201, lot.text
    now = datetime.now(timezone.utc)
    festival = api.post("/api/v1/festivals", headers=make_operator(api, database_url).headers, json={
        "name": unique("Singles' Day"), "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(), "shop_ids": [w["shop"]["id"]]})
    assert festival.status_code == 201, festival.text
    w["festival"] = festival.json()
    other_host = register(api, roles=["seller", "host"], display_name="Layla")
    other_shop = api.post("/api/v1/shops", headers=other_host.headers,
                          json={"name": unique("Pearl farm"), "city": "Zhuji", "country": "CN"}).json()
    w["next"] = make_show(api, other_host, other_shop["id"], title=unique("Pearls"), language="en", market=MARKET,
                          minutes_ahead=5)
    assert api.post(f"/api/v1/shows/{w['next']['id']}/start", headers=other_host.headers).status_code == 200
    w["other_host"] = other_host
    w["viewer"] = register(api, display_name="Emily", language="en", currency="EUR", country=MARKET)
    top_up(api, database_url, w["viewer"], 100_000)
    w["layla"] = register(api, display_name="ليلى", language="ar", currency="SAR", country=MARKET)
    return w


@pytest.fixture(scope="module")
def streams(api, app_server, world):
    """A portrait stream into the first show and a landscape one into the second, over RTMP as OBS sends them."""
    if have_media_tools():
        yield False
        return
    ingest = f"rtmp://127.0.0.1:{app_server.rtmp_port}/live"
    publishers = [rtmp_publisher(f"{ingest}/{show['id']}?key={stream_key(api, host)}", size=size)
                  for show, host, size in ((world["show"], world["host"], "360x640"),
                                           (world["next"], world["other_host"], "640x360"))]
    try:
        deadline = time.monotonic() + 30
        while not all(playlist(api, s["id"]) for s in (world["show"], world["next"])):
            assert time.monotonic() < deadline, "no HLS playlist from the test streams"
            time.sleep(0.3)
        yield True
    finally:
        for publisher in publishers:
            publisher.kill()
            publisher.wait()


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found, f"{selector} is not shown"
    return found


def swipe(page, dy: float, x: float = 195, y: float = 380) -> None:
    """A finger dragging up (dy < 0) or down the screen, through the browser's real touch input."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        page.wait_for_timeout(16)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y + dy * step / 10}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


# Links, buttons and fields shown on the phone's screen that are smaller than a 44 x 44 px tap target.
SMALL_TARGETS = """[...document.querySelectorAll(
    '.watch-layout :is(a, button, input), dialog[open] :is(a, button, input)')]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
    && getComputedStyle(e).pointerEvents !== 'none' && !e.closest('[hidden], .sr-only, .phone-feed-nav, .chip'))
  .map((e) => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.width > 1 && (r.width < 44 || r.height < 44))
  .map(([e, r]) => `${e.tagName}.${e.className} ${(e.textContent || e.placeholder || '').trim().slice(0, 20)}`
    + ` ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def small_targets(page) -> list[str]:
    """Touch targets under 44 px, once the open sheets have settled (mid-slide a 44 px link is a pixel short)."""
    until(page, SHEETS_SETTLED)
    return page.evaluate(SMALL_TARGETS)


def test_the_video_fills_a_phone_screen_with_chat_likes_and_the_host_on_it(world, streams, open_page, api, app_server,
                                                                            screenshot):
    show = world["show"]
    page = open_page(f"/shows/{show['id']}", world["viewer"])
    if streams:  # a portrait stream fills the screen
        until(page, "document.querySelector('[data-stage]').dataset.state === 'playing'", timeout=30)
        until(page, "document.querySelector('[data-stage]').dataset.orientation === 'portrait'")
    video = box(page, "#video")
    assert (video["x"], video["y"], video["width"], video["height"]) == (0, 0, 390, 844)
    assert page.evaluate("getComputedStyle(document.getElementById('video')).objectFit") == "cover"
    assert not page.locator("header.top").is_visible()
    assert page.evaluate("document.documentElement.scrollHeight") <= 844  # nothing below the player

    # on top: the host, a follow button, the viewers, the festival
    head = box(page, ".show-head")
    assert head["y"] < 20 and page.locator(".phone-follow").is_visible()
    assert box(page, ".phone-follow")["y"] < 60 and box(page, "[data-viewers]")["y"] < 120
    assert page.locator("[data-festival]").inner_text() == world["festival"]["name"]
    page.locator(".phone-follow").click()
    until(page, "document.querySelector('.phone-follow').getAttribute('aria-pressed') === 'true'")
    assert page.locator(".phone-follow").inner_text() == "Following"

    # chat over the lower part of the video, older lines fading out
    room = RoomClient(app_server.ws_base, show["id"], register(api, display_name="Pierre").token, origin=app_server.url)
    try:
        for n in range(5):
            assert room.request("chat.send", text=f"Bonsoir {n}! Is the scarf soft?")["type"] == "ack"
    finally:
        room.close()
    last = page.locator("[data-messages] li", has_text="Bonsoir 4!")
    last.wait_for()
    messages = box(page, "[data-messages]")
    assert messages["y"] > 844 / 2 and messages["width"] < 390 * 0.75
    assert "gradient" in page.evaluate("getComputedStyle(document.querySelector('[data-messages]')).maskImage")
    page.get_by_placeholder("Say something…").fill("Hello from my phone")
    page.get_by_placeholder("Say something…").press("Enter")
    page.locator("[data-messages] li", has_text="Hello from my phone").wait_for()

    # hearts rise when the heart is tapped, and the likes count grows
    page.get_by_role("button", name="Like").click()
    page.get_by_role("button", name="Like").click()
    until(page, "document.querySelectorAll('[data-hearts] .heart').length > 0")
    until(page, "Number(document.querySelector('[data-likes]').textContent) >= 2")

    # the controls do not overlap, and every one is big enough for a thumb
    controls = {name: box(page, selector) for name, selector in (
        ("bag", ".phone-bag"), ("message box", "[data-chat-form]"), ("questions", ".phone-questions"),
        ("like", ".actions .like"), ("pinned", ".phone-pinned"), ("chat", "[data-messages]"),
        ("follow", ".phone-follow"), ("close", ".phone-close"), ("title", ".show-title"),
        ("openings", ".phone-openings"))}
    for one in controls:
        for other in controls:
            if one < other:
                assert not overlap(controls[one], controls[other]), (one, other)
    assert small_targets(page) == []
    screenshot(page, "phone-show")
    assert not page.errors, page.errors


def test_the_bag_shows_the_pinned_products_and_the_buy_sheet_buys_in_one_tap(world, open_page, api, screenshot):
    show, viewer = world["show"], world["viewer"]
    page = open_page(f"/shows/{show['id']}", viewer)
    until(page, "window.livestallShow?.room && document.querySelector('[data-bag-count]').textContent === '2'")
    page.get_by_role("button", name="Pinned products").click()
    bag = page.locator("dialog[data-sheet=bag]")
    bag.wait_for()
    assert box(page, "dialog[data-sheet=bag]")["y"] > 844 / 3  # a sheet from the bottom
    scarf = bag.locator("[data-shelf-items] li", has_text="Hand-knitted wool scarf")
    assert scarf.locator("[data-price]").inner_text() == "€16.58"  # 128 CNY in the viewer's euros
    assert scarf.locator("[data-stock]").inner_text() == "In stock: 40"
    cardigan = bag.locator("[data-shelf-items] li", has_text="Yak wool cardigan")
    assert cardigan.locator("[data-flash]").inner_text().startswith("Flash sale ends in ")
    assert small_targets(page) == []
    screenshot(page, "phone-bag")

    posted = []  # buying goes over the open room socket, not HTTP
    page.on("request", lambda request: posted.append(request.url) if request.url.endswith("/buy") else None)
    scarf.get_by_role("button", name="Buy now").click()
    sheet = page.locator("dialog[data-sheet=buy]")
    sheet.wait_for()
    assert sheet.locator("[data-buy-title]").inner_text() == "Hand-knitted wool scarf"
    sheet.get_by_text("M", exact=True).click()
    sheet.get_by_role("button", name="One more").click()
    assert sheet.get_by_label("Quantity").input_value() == "2"
    assert sheet.locator("[data-buy-total]").inner_text() == "€33.16 (CN¥256.00)"
    until(page, "document.querySelector('[data-buy-wallet]').textContent === 'CN¥1,000.00'")
    assert sheet.locator("[data-buy-change-address]").inner_text() == "Add a delivery address"
    assert small_targets(page) == []
    screenshot(page, "phone-buy-sheet")
    sheet.get_by_role("button", name="Buy now").click()
    address = page.locator("[data-address-dialog]")  # the first purchase asks where to send it
    address.get_by_label("Full name").fill("Emily Brown")
    address.get_by_label("Address").fill("Laugavegur 1")
    address.get_by_label("City").fill("Reykjavík")
    address.get_by_label("Postal code").fill("101")
    address.get_by_label("Country (two letters, such as ES)").fill("is")
    address.get_by_role("button", name="Buy now").click()
    until(page, "document.querySelector('[data-buy-outcome]').textContent.startsWith('Bought!')")
    orders = api.get("/api/v1/me/orders", headers=viewer.headers).json()["items"]
    assert len(orders) == 1
    order = orders[0]
    assert (order["quantity"], order["option"], order["status"]) == (2, "M", "paid")
    assert order["shipping"]["city"] == "Reykjavík"
    assert order["ref"] in sheet.locator("[data-buy-outcome]").inner_text()
    assert posted == []
    assert sheet.locator("[data-buy-address]").inner_text().startswith("Emily Brown, Laugavegur 1")
    until(page, "document.querySelector('[data-buy-wallet]').textContent === 'CN¥744.00'")  # 1,000 - 2 x 128

    # the card of the product the host pinned last buys too: the address is known now, so it is one tap
    sheet.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Close").first.click()
    page.locator(".phone-pinned", has_text="Yak wool cardigan").click()
    until(page, "document.querySelector('[data-buy-title]').textContent === 'Yak wool cardigan'")
    sheet.get_by_role("button", name="Buy now").click()
    until(page, "document.querySelector('[data-buy-outcome]').textContent.startsWith('Bought!')")
    assert len(api.get("/api/v1/me/orders", headers=viewer.headers).json()["items"]) == 2
    assert not page.errors, page.errors


def test_a_link_to_buy_a_product_opens_its_buy_sheet(world, open_page, api):
    """Where "log in to buy" comes back to (and the embed's "Buy now" goes): that product's buy sheet."""
    page = open_page(f"/shows/{world['show']['id']}?buy={world['scarf']['id']}", register(api))
    until(page, "document.querySelector('dialog[data-sheet=buy]').open")
    assert page.locator("[data-buy-title]").inner_text() == "Hand-knitted wool scarf"
    assert not page.errors, page.errors


def test_questions_and_openings_open_in_sheets_over_the_video(world, open_page, api, app_server):
    page = open_page(f"/shows/{world['show']['id']}", register(api, display_name="Wang"))
    page.get_by_role("button", name="Questions").click()
    questions = page.locator("dialog[data-sheet=questions]")
    questions.get_by_placeholder("Ask the host…").fill("Is the cardigan warm enough for Harbin?")
    questions.get_by_role("button", name="Ask").click()
    asked = questions.locator("[data-questions] li", has_text="Harbin")
    asked.wait_for()
    assert page.locator(".phone-questions [data-phone-question-count]").inner_text() == "1"
    with RoomClient(app_server.ws_base, world["show"]["id"], world["host"].token, origin=app_server.url) as host:
        answered = host.request("question.answer", question_id=int(asked.get_attribute("data-question-id")))
        assert answered["type"] == "ack", answered
    # The answer does not take the question away: it stays in the tab, marked answered, and leaves the count.
    questions.locator("[data-questions] li[data-answered]", has_text="Harbin").wait_for()
    assert asked.locator(".answered-badge").inner_text() == "Answered"
    until(page, "document.querySelector('.phone-questions [data-phone-question-count]').textContent === ''")
    questions.get_by_role("button", name="Close").click()
    assert page.locator("[data-messages]").is_visible()  # back to the chat over the video
    page.get_by_role("button", name="Live openings").click()
    openings = page.locator("dialog[data-sheet=openings]")
    lot = openings.locator(".openings-lot", has_text="Akoya oyster")
    assert lot.get_by_role("button", name="Buy an opening").is_visible()
    openings.get_by_role("button", name="Close").click()
    assert not page.errors, page.errors


def test_a_swipe_moves_to_the_next_live_show_and_back(world, streams, open_page):
    first, second = world["show"], world["next"]
    page = open_page(f"/shows/{second['id']}", world["viewer"], swiped_before=False)
    until(page, "!document.querySelector('[data-swipe-hint]').hidden")  # the first time, it says there is more
    if streams:  # a landscape stream is fitted to the width, above the chat
        until(page, "document.querySelector('[data-stage]').dataset.orientation === 'landscape'", timeout=30)
        assert page.evaluate("getComputedStyle(document.getElementById('video')).objectFit") == "contain"
        video = box(page, "#video")
        assert video["width"] == 390 and 200 < video["height"] < 240 and video["y"] > 100
        assert video["y"] + video["height"] < 844 * 0.65  # above the chat

    swipe(page, -320)  # up: the next show in the feed (the older of the two, same language and market)
    page.wait_for_url(f"**/shows/{first['id']}", timeout=10000)
    until(page, "performance.getEntriesByType('resource').some((e) => e.name.includes('/feed'))")
    swipe(page, 320)  # down: back to the previous one
    page.wait_for_url(f"**/shows/{second['id']}", timeout=10000)
    until(page, "performance.getEntriesByType('resource').some((e) => e.name.includes('/feed'))")
    page.keyboard.press("ArrowDown")  # keys do the same
    page.wait_for_url(f"**/shows/{first['id']}", timeout=10000)
    assert not page.errors, page.errors


def test_the_first_swipe_hint_on_a_show_still_to_come_does_not_cover_when_it_starts(api, world, open_page, screenshot):
    later = make_show(api, world["other_host"], world["next"]["shop_id"], title=unique("Pearl necklaces"),
                      language="en", market=MARKET, minutes_ahead=90)
    page = open_page(f"/shows/{later['id']}", world["viewer"], swiped_before=False)
    until(page, "!document.querySelector('[data-swipe-hint]').hidden")
    assert "Starts at" in page.locator("[data-notice] p").first.inner_text()
    hint = box(page, "[data-swipe-hint]")
    for covered in ("[data-notice] p", "[data-remind] button"):  # when it starts, and the button to be reminded
        other = box(page, covered)
        assert hint["y"] + hint["height"] <= other["y"] or other["y"] + other["height"] <= hint["y"], (covered, hint)
    screenshot(page, "phone-scheduled-swipe-hint")
    assert not page.errors, page.errors


def test_arabic_is_right_to_left_with_the_overlay_mirrored(world, open_page, screenshot):
    page = open_page(f"/shows/{world['show']['id']}", world["layla"], language="ar")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    until(page, "document.querySelector('[data-bag-count]').textContent !== ''")
    middle = 390 / 2
    assert box(page, ".phone-bag")["x"] > middle  # the bag at the start side: the right
    assert box(page, ".actions .like")["x"] < middle and box(page, ".phone-close")["x"] < middle
    assert box(page, ".phone-avatar")["x"] > middle and box(page, "[data-messages]")["x"] + 1 > 390 * 0.25
    assert page.locator(".phone-follow").inner_text() == "متابعة"
    assert small_targets(page) == []
    screenshot(page, "phone-show-ar")
    page.locator(".phone-bag").click()
    bag = page.locator("dialog[data-sheet=bag]")
    scarf = bag.locator("[data-shelf-items] li", has_text="Hand-knitted wool scarf")
    assert "ر.س" in scarf.locator("[data-price]").inner_text()  # riyals
    screenshot(page, "phone-bag-ar")
    assert not page.errors, page.errors


def test_the_desktop_layout_is_unchanged(world, open_page):
    page = open_page(f"/shows/{world['show']['id']}", world["viewer"], device=DESKTOP)
    until(page, "document.querySelectorAll('[data-shelf-items] li').length === 2")
    assert page.locator("header.top").is_visible()
    stage, side = box(page, "[data-stage]"), box(page, ".watch-side")
    assert side["x"] > stage["x"] + stage["width"] and page.locator("[data-chat-form]").is_visible()
    assert abs(stage["height"] - stage["width"] * 9 / 16) < 2
    assert page.locator(".watch-main [data-shelf]").is_visible()  # the products column, under the video
    assert page.locator(".watch-main [data-shelf-items] li", has_text="Hand-knitted wool scarf").is_visible()
    for phone_only in (".phone-bag", ".phone-follow", ".phone-close", ".phone-pinned", ".phone-questions"):
        assert not page.locator(phone_only).is_visible(), phone_only
    assert page.get_by_role("tab", name="Chat").is_visible() and page.locator(".actions .like").is_visible()
    # the shelf moves into the bag on a narrow window and comes back
    page.set_viewport_size({"width": 390, "height": 844})
    until(page, "document.querySelector('[data-shelf]').closest('dialog') !== null")
    page.set_viewport_size({"width": 1280, "height": 800})
    until(page, "document.querySelector('[data-shelf]').closest('.watch-main') !== null")
    assert page.locator(".watch-main [data-shelf-items] li", has_text="Hand-knitted wool scarf").is_visible()
    assert not page.errors, page.errors

