"""Auctions in Chromium: the host sets one up and opens it in the studio; a viewer on a 390x844 touch phone bids with
one tap, is outbid, bids again with a max, and sees the end banner with their order; in Arabic the card mirrors."""

from __future__ import annotations

import pytest

from tests.auctions.support import balance, bidder, get_auction
from tests.helpers import unique
from tests.orders.support import live_shop
from tests.room_client import RoomClient
from tests.web.conftest import DESKTOP
from tests.web.support import until

pytestmark = pytest.mark.slow

CARD = "document.querySelector('[data-auction]')"


def card_text(page, selector: str) -> str:
    return page.evaluate(f"document.querySelector('[data-auction] {selector}')?.textContent || ''")


def test_the_host_opens_an_auction_and_a_phone_viewer_bids_and_wins(api, app_server, database_url, open_page,
                                                                  screenshot):
    world = live_shop(api, stock=3, price_minor=30000, title="Hand-knitted wool scarf")
    show_id, seller = world["show"]["id"], world["seller"]
    viewer = bidder(api, database_url, name=unique("Lin"))
    rival = bidder(api, database_url, name="Rival")

    studio = open_page(f"/studio/shows/{show_id}", seller, device=DESKTOP)
    until(studio, "window.livestallStudio && window.livestallStudio.room !== null")
    form = studio.locator("[data-sa-form]")
    form.locator("[name=starting_price]").fill("abc")
    form.locator("[data-sa-create]").click()
    until(studio, "!document.querySelector('[data-error-for=starting_price_minor]').hidden")
    assert "150.50" in studio.locator("[data-error-for=starting_price_minor]").inner_text()
    form.locator("[name=starting_price]").fill("100")
    form.locator("[name=duration_s]").select_option("15")
    form.locator("[name=snipe_s]").fill("1")
    studio.evaluate("document.querySelector('[data-studio-auction]').scrollIntoView({block: 'center'})")
    screenshot(studio, "auction-studio-form")
    form.locator("[data-sa-create]").click()
    until(studio, "!document.querySelector('[data-sa-open]').hidden")
    auction_id = api.get(f"/api/v1/shows/{show_id}/auctions").json()["items"][-1]["id"]

    phone = open_page(f"/shows/{show_id}", viewer)
    until(phone, f"{CARD} && !{CARD}.hidden && window.livestallShow && window.livestallShow.room")
    assert "Pre-bid" in card_text(phone, "[data-auction-step-small]")

    studio.locator("[data-sa-open]").click()
    until(phone, f"{CARD}.dataset.status === 'open'")
    until(phone, "/^0:1[0-5]$/.test(document.querySelector('[data-auction-clock]').textContent)")
    phone.locator("[data-auction-step]").tap()  # one tap: the starting price
    until(phone, "document.querySelector('[data-auction-state]').dataset.kind === 'winning'")
    assert "You're winning" in card_text(phone, "[data-auction-state]")
    until(studio, "document.querySelector('[data-sa-leader]').textContent.includes('leads')")

    with RoomClient(app_server.ws_base, show_id, rival.token) as room:
        answer = room.request("bid", auction_id=auction_id, amount=12000)
        assert answer["data"]["outcome"] == "leading", answer
    until(phone, "document.querySelector('[data-auction-state]').dataset.kind === 'outbid'")
    assert "Rival" in card_text(phone, "[data-auction-state]")
    assert balance(api, viewer) == 100_000  # the outbid hold came back

    phone.locator("[data-auction-more]").tap()
    phone.locator("[data-auction-amount]").fill("130")
    phone.locator("[data-auction-max]").fill("300")
    phone.locator("[data-auction-custom] button[type=submit]").tap()
    until(phone, "document.querySelector('[data-auction-state]').dataset.kind === 'winning'")
    assert "300" in card_text(phone, "[data-auction-state]")
    # On the phone the card sits over the video, inside the screen, and its controls are big enough to tap.
    box = phone.locator("[data-auction]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert phone.locator("[data-auction-step]").bounding_box()["height"] >= 44
    screenshot(phone, "auction-phone-bidding")
    studio.evaluate("document.querySelector('[data-studio-auction]').scrollIntoView({block: 'center'})")
    screenshot(studio, "auction-studio")

    until(phone, "document.querySelector('[data-auction-end]') && !document.querySelector('[data-auction-end]').hidden",
          timeout=60)
    until(phone, "document.querySelector('[data-auction-end-text]').textContent.includes('You won')", timeout=10)
    until(studio, "document.querySelector('[data-sa-result]').textContent.includes('Sold to')")
    screenshot(phone, "auction-phone-won")
    ended = get_auction(api, auction_id)
    assert ended["result"] == "sold" and ended["hammer"]["amount_minor"] == 13000
    assert balance(api, viewer) == 100_000 - 13000
    assert not phone.errors and not studio.errors


def test_the_card_mirrors_in_arabic_and_fits_a_desktop(api, app_server, database_url, open_page, screenshot):
    world = live_shop(api, stock=3, price_minor=30000)
    show_id = world["show"]["id"]
    created = api.post(f"/api/v1/shows/{show_id}/auctions", headers=world["seller"].headers,
                       json={"product_id": world["product"]["id"], "starting_price_minor": 5000, "duration_s": 60})
    assert created.status_code == 201, created.text
    assert api.post(f"/api/v1/auctions/{created.json()['id']}/open", headers=world["seller"].headers).status_code == 200
    viewer = bidder(api, database_url, language="ar")
    arabic = open_page(f"/shows/{show_id}", viewer, language="ar")
    until(arabic, f"{CARD} && {CARD}.dataset.status === 'open'")
    assert arabic.evaluate("document.documentElement.dir") == "rtl"
    assert "مزاد" in card_text(arabic, ".auction-tag")
    screenshot(arabic, "auction-phone-ar")
    desktop = open_page(f"/shows/{show_id}", bidder(api, database_url), device=DESKTOP)
    until(desktop, f"{CARD} && {CARD}.dataset.status === 'open'")
    assert desktop.locator("[data-auction-step]").is_visible()
    screenshot(desktop, "auction-desktop")
    assert not arabic.errors and not desktop.errors


def test_the_studio_on_a_phone_sets_up_and_opens_an_auction(api, app_server, open_page, screenshot):
    world = live_shop(api, stock=3, price_minor=30000)
    show_id = world["show"]["id"]
    studio = open_page(f"/studio/shows/{show_id}", world["seller"])
    until(studio, "window.livestallStudio && window.livestallStudio.room !== null")
    studio.locator("[data-ph-more]").tap()
    panel = studio.locator("[data-studio-auction]")
    panel.scroll_into_view_if_needed()
    assert panel.is_visible()
    box = panel.bounding_box()
    # As wide as the studio's other panels on a phone (the panel itself never widens the page).
    video_panel = studio.locator(".panel.video-panel").bounding_box()
    assert box["width"] <= video_panel["width"] + 0.5
    assert studio.evaluate("[...document.querySelectorAll('[data-studio-auction] input, [data-studio-auction] select')]"
                           ".every(e => e.getBoundingClientRect().right <= e.closest('.panel').getBoundingClientRect().right)")
    panel.locator("[name=starting_price]").fill("88.50")
    panel.locator("[data-sa-create]").tap()
    until(studio, "!document.querySelector('[data-sa-open]').hidden")
    assert panel.locator("[data-sa-open]").bounding_box()["height"] >= 44
    panel.locator("[data-sa-open]").tap()
    until(studio, "!document.querySelector('[data-sa-clock]').hidden")
    studio.evaluate("document.querySelector('[data-studio-auction]').scrollIntoView({block: 'center'})")
    screenshot(studio, "auction-phone-studio")
    opened = api.get(f"/api/v1/shows/{show_id}/auctions").json()["items"][-1]
    assert (opened["status"], opened["starting_price"]["amount_minor"], opened["duration_s"]) == ("open", 8850, 30)
    assert not studio.errors
