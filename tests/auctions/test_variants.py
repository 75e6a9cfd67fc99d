"""Auctions of one variant: the variant is required and checked when the auction is set up, the room reads
"Cardigan · M / Grey", the close takes the unit off the variant and the product's total together, and a variant
sold out before the close is never sold twice."""

from __future__ import annotations

import pytest

from tests.auctions.support import balance, bidder, get_auction, open_auction, wait_ended
from tests.helpers import register
from tests.orders.support import buy, ledger_check, live_shop
from tests.orders.test_variants import CARDIGAN, stock, with_variants
from tests.room_client import RoomClient
from tests.web.support import until


def live_cardigan(api) -> dict:
    """A live show with a cardigan pinned in three variants: M / Grey (4), L / Grey (3), L / Red (0)."""
    world = live_shop(api, title="Cardigan", price_minor=12800, stock=0)
    world["variants"] = with_variants(api, world["seller"], world["product"]["id"], CARDIGAN)
    return world


def create(api, world: dict, **fields):
    body = {"product_id": world["product"]["id"], "starting_price_minor": 10000, "duration_s": 10, **fields}
    return api.post(f"/api/v1/shows/{world['show']['id']}/auctions", json=body, headers=world["seller"].headers)


def refusal(response) -> tuple[int, str, str]:
    error = response.json()["errors"][0]
    return response.status_code, error["field"], error["rule"]


def test_an_auction_of_a_product_with_variants_needs_one_of_its_variants_with_a_unit(api):
    world = live_cardigan(api)
    assert refusal(create(api, world)) == (422, "variant_id", "variant_required")
    stranger = live_cardigan(api)
    alien = stranger["variants"]["M / Grey"]["id"]
    assert refusal(create(api, world, variant_id=alien)) == (422, "variant_id", "variant_of_product")
    assert refusal(create(api, world, variant_id=world["variants"]["L / Red"]["id"])) == (409, "variant_id",
                                                                                           "in_stock")
    plain = live_shop(api, stock=2)
    assert refusal(create(api, plain, variant_id=alien)) == (422, "variant_id", "no_variants")
    listed = api.get(f"/api/v1/shows/{world['show']['id']}/auctions").json()["items"]
    assert listed == []  # nothing was set up by the refusals

    grey_m = world["variants"]["M / Grey"]
    made = create(api, world, variant_id=grey_m["id"])
    assert made.status_code == 201, made.text
    auction = made.json()
    assert (auction["variant_id"], auction["variant_label"], auction["title"]) == (grey_m["id"], "M / Grey",
                                                                                  "Cardigan · M / Grey")
    assert get_auction(api, auction["id"])["title"] == "Cardigan · M / Grey"


def test_the_winner_gets_the_variant_and_the_unit_leaves_it_and_the_total(api, app_server, database_url):
    world = live_cardigan(api)
    product_id, show_id, grey_l = world["product"]["id"], world["show"]["id"], world["variants"]["L / Grey"]
    made = create(api, world, variant_id=grey_l["id"])
    assert made.status_code == 201, made.text
    world["auction"] = made.json()
    auction_id = world["auction"]["id"]
    ann = bidder(api, database_url, name="Ann")
    with RoomClient(app_server.ws_base, show_id, ann.token) as room:
        assert room.snapshot["auction"]["current"]["title"] == "Cardigan · L / Grey"
        open_auction(api, world)
        answer = room.request("bid", auction_id=auction_id, amount=12000)
        assert answer["type"] == "ack" and answer["data"]["outcome"] == "leading", answer
        ended = room.wait_event("auction.ended", timeout=40)
        assert (ended["result"], ended["title"], ended["variant_id"]) == ("sold", "Cardigan · L / Grey", grey_l["id"])
        sale = room.wait_event("sale.made", lambda d: d["product_id"] == product_id)
        assert (sale["variant_id"], sale["units_left"]) == (grey_l["id"], 2)
        won = room.wait_frame(lambda f: f["type"] == "auction.won")
    order = api.get(f"/api/v1/orders/{won['order_id']}", headers=ann.headers).json()
    assert (order["status"], order["total"]["amount_minor"], order["variant_id"], order["option"]) == (
        "paid", 12000, grey_l["id"], "L / Grey")
    assert stock(api, product_id) == (6, {"M / Grey": 4, "L / Grey": 2, "L / Red": 0})
    assert balance(api, ann) == 100_000 - 12000
    assert ledger_check(api, database_url)["ok"] is True


def test_a_variant_sold_out_before_the_close_is_not_sold_twice(api, app_server, database_url):
    world = live_shop(api, title="Cardigan", price_minor=12800, stock=0)
    variants = with_variants(api, world["seller"], world["product"]["id"],
                             [({"Size": "S", "Colour": "Grey"}, 1, None), ({"Size": "M", "Colour": "Grey"}, 2, None)])
    product_id, small = world["product"]["id"], variants["S / Grey"]
    made = create(api, world, variant_id=small["id"])
    assert made.status_code == 201, made.text
    world["auction"] = made.json()
    ann = bidder(api, database_url, name="Ann")
    with RoomClient(app_server.ws_base, world["show"]["id"], ann.token) as room:
        open_auction(api, world)
        assert room.request("bid", auction_id=world["auction"]["id"])["data"]["outcome"] == "leading"
        # Meanwhile the last S / Grey is bought at the buy button.
        shopper = register(api)
        bought = buy(api, shopper, world["show"]["id"], product_id, variant_id=small["id"])
        assert bought.status_code == 201, bought.text
        assert stock(api, product_id) == (2, {"S / Grey": 0, "M / Grey": 2})
    ended = wait_ended(api, world["auction"]["id"], timeout=60)
    assert (ended["result"], ended["winner_name"]) == ("unsold", None)  # no unit left and no runner-up
    assert stock(api, product_id) == (2, {"S / Grey": 0, "M / Grey": 2})  # the M units were not touched
    assert balance(api, ann) == 100_000  # the hold went back
    assert ledger_check(api, database_url)["ok"] is True


@pytest.mark.slow
def test_the_phone_studio_offers_the_pinned_products_variants_with_their_stock(api, app_server, open_page,
                                                                                 screenshot):
    world = live_cardigan(api)
    show_id, grey_l = world["show"]["id"], world["variants"]["L / Grey"]
    studio = open_page(f"/studio/shows/{show_id}", world["seller"])
    until(studio, "window.livestallStudio && window.livestallStudio.room !== null")
    studio.locator("[data-ph-more]").tap()
    panel = studio.locator("[data-studio-auction]")
    panel.scroll_into_view_if_needed()
    select = panel.locator("[data-sa-variant]")
    assert select.is_visible()
    options = studio.evaluate("[...document.querySelectorAll('[data-sa-variant] option')]"
                              ".map(o => [o.textContent, o.disabled])")
    assert options == [["M / Grey · 4 left", False], ["L / Grey · 3 left", False], ["L / Red · 0 left", True]]
    assert studio.evaluate("document.querySelector('[data-sa-variant]').getBoundingClientRect().right <= "
                           "document.querySelector('[data-studio-auction]').getBoundingClientRect().right")
    select.select_option(str(grey_l["id"]))
    panel.locator("[name=starting_price]").fill("90")
    studio.evaluate("document.querySelector('[data-studio-auction]').scrollIntoView({block: 'center'})")
    screenshot(studio, "auction-phone-studio-variant")
    panel.locator("[data-sa-create]").tap()
    until(studio, "!document.querySelector('[data-sa-open]').hidden")
    assert studio.locator("[data-sa-title]").inner_text() == "Cardigan · L / Grey"
    made = api.get(f"/api/v1/shows/{show_id}/auctions").json()["items"][-1]
    assert (made["variant_id"], made["starting_price"]["amount_minor"]) == (grey_l["id"], 9000)
    assert not studio.errors
