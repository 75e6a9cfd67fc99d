"""Bids backed by a saved card, against the local stand-in of Stripe's API: the card saved through Checkout in setup
mode, a bid beyond the wallet held on the card (PaymentIntent, capture_method=manual) and in the books, released
when outbid, captured at the hammer, a declined card refused by its rule, a refused capture passing to the runner-up."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.appserver import AppProcess
from tests.auctions.card_support import intents_of, own_database, save_card, start_stand_in, stripe_env
from tests.auctions.support import auction_world, balance, bidder, get_auction, open_auction, wait_ended
from tests.helpers import Actor, register
from tests.ledger.stripe_support import FakeStripe
from tests.orders.support import ledger_check
from tests.room_client import RoomClient


@pytest.fixture(scope="module")
def card_server(request, tmp_path_factory):
    """One app process on a database of its own, configured for the Stripe stand-in."""
    database_url = own_database(request, tmp_path_factory, "cards")
    fake = start_stand_in()
    server = AppProcess(database_url=database_url, data_dir=tmp_path_factory.mktemp("cards_app"),
                        env=stripe_env(fake)).start()
    FakeStripe.webhook_url = f"{server.url}/api/v1/payments/stripe/webhook"
    yield server
    server.stop()
    fake.shutdown()


@pytest.fixture()
def capi(card_server):
    with httpx.Client(base_url=card_server.url, timeout=30) as client:
        yield client


def wait_intent(intent_id: str, status: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while FakeStripe.intents[intent_id]["status"] != status:
        assert time.monotonic() < deadline, FakeStripe.intents[intent_id]
        time.sleep(0.1)
    return FakeStripe.intents[intent_id]


def bid(room: RoomClient, auction_id: int, **fields) -> dict:
    return room.request("bid", auction_id=auction_id, **fields)


def card_world(capi, db: str, card: str = "visa") -> tuple[dict, Actor]:
    """A 10 s auction in a live show, and Ann with an empty wallet and a saved card (the stand-in's `card` kind)."""
    world = auction_world(capi, duration_s=10)
    ann = bidder(capi, db, wallet_minor=0, name="Ann")
    save_card(capi, ann, card)
    return world, ann


def test_a_card_is_saved_listed_and_removed_never_its_number(capi, card_server):
    buyer = register(capi)
    card = save_card(capi, buyer)
    assert (card["brand"], card["last4"], card["exp_year"]) == ("visa", "4242", 2030)
    customer = FakeStripe.sessions[-1]["form"]["customer"]
    assert FakeStripe.customers[-1]["id"] == customer
    again = capi.post("/api/v1/me/cards/setup", headers=buyer.headers)  # a second card: the same customer
    assert again.status_code == 201 and FakeStripe.sessions[-1]["form"]["customer"] == customer
    method_id = next(m for m, v in FakeStripe.payment_methods.items() if v["customer"] == customer)
    stranger = register(capi)
    assert capi.get("/api/v1/me/cards", headers=stranger.headers).json() == {"cards": [], "offered": True}
    theirs = capi.delete(f"/api/v1/me/cards/{card['id']}", headers=stranger.headers)
    assert theirs.status_code == 404 and theirs.json()["errors"][0]["field"] == "card_id"
    assert capi.delete(f"/api/v1/me/cards/{card['id']}", headers=buyer.headers).status_code == 204
    assert FakeStripe.payment_methods[method_id]["customer"] is None  # detached at Stripe too
    assert capi.get("/api/v1/me/cards", headers=buyer.headers).json()["cards"] == []
    assert capi.get("/api/v1/me/cards").status_code == 401


def test_a_bid_beyond_the_wallet_is_held_on_the_card_and_released_when_outbid(capi, card_server):
    db = card_server.database_url
    world = auction_world(capi)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann, bo = bidder(capi, db, wallet_minor=0, name="Ann"), bidder(capi, db, name="Bo")
    save_card(capi, ann)
    with RoomClient(card_server.ws_base, show_id, ann.token) as a, \
            RoomClient(card_server.ws_base, show_id, bo.token) as b:
        open_auction(capi, world)
        first = bid(a, auction_id, max=30000)
        assert first["type"] == "ack" and first["data"]["outcome"] == "leading", first
        [intent] = intents_of(ann.id, auction_id)
        assert (intent["amount"], intent["capture_method"], intent["status"]) == (30000, "manual", "requires_capture")
        made = next(r for r in FakeStripe.requests if r["path"] == "/v1/payment_intents"
                    and r["form"].get("metadata[user_id]") == str(ann.id)
                    and r["form"].get("metadata[auction_id]") == str(auction_id))
        assert made["idempotency_key"].startswith(f"auction-{auction_id}-user-{ann.id}-")
        assert get_auction(capi, auction_id, ann)["mine"]["held"]["amount_minor"] == 30000
        assert balance(capi, ann) == 0
        assert ledger_check(capi, db)["ok"] is True

        taken = bid(b, auction_id, amount=31000, max=40000)  # Bo, from his wallet, beats Ann's maximum
        assert taken["data"]["outcome"] == "leading"
        outbid = a.wait_frame(lambda f: f["type"] == "auction.outbid", timeout=10)
        assert outbid["card_last4"] == "4242"  # her card's hold went back, not money to her wallet
        wait_intent(intent["id"], "canceled")  # Ann's card is let go
        assert get_auction(capi, auction_id, ann)["mine"]["held"]["amount_minor"] == 0

        back = bid(a, auction_id, max=50000)  # a new authorization for the new maximum
        assert back["data"]["outcome"] == "leading" and back["data"]["price_minor"] == 41000, back
        assert [i["amount"] for i in intents_of(ann.id, auction_id)] == [30000, 50000]
        assert balance(capi, bo) == 100_000  # Bo's wallet hold went back
        assert ledger_check(capi, db)["ok"] is True
    cancelled = capi.post(f"/api/v1/auctions/{auction_id}/cancel", headers=world["seller"].headers)
    assert cancelled.status_code == 200
    wait_intent(intents_of(ann.id, auction_id)[-1]["id"], "canceled")
    assert ledger_check(capi, db)["ok"] is True


def test_a_declined_card_refuses_the_bid_by_its_rule_and_a_covering_wallet_goes_first(capi, card_server):
    db = card_server.database_url
    world = auction_world(capi)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    cy, di = bidder(capi, db, wallet_minor=0, name="Cy"), bidder(capi, db, wallet_minor=50000, name="Di")
    save_card(capi, cy, "declined")
    save_card(capi, di)
    nobody = bidder(capi, db, wallet_minor=0, name="Ed")
    with RoomClient(card_server.ws_base, show_id, cy.token) as c, \
            RoomClient(card_server.ws_base, show_id, di.token) as d, \
            RoomClient(card_server.ws_base, show_id, nobody.token) as e:
        open_auction(capi, world)
        refused = bid(c, auction_id)
        assert (refused["code"], refused["field"], refused["rule"]) == ("conflict", "card", "card_declined"), refused
        assert "ending 0002" in refused["message"]
        no_card = bid(e, auction_id)
        assert (no_card["field"], no_card["rule"]) == ("amount", "insufficient_funds")
        assert "save a card" in no_card["message"]
        covered = bid(d, auction_id, max=20000)  # the wallet covers it: the card is not touched
        assert covered["data"]["outcome"] == "leading"
        assert intents_of(di.id, auction_id) == [] and balance(capi, di) == 30000
    assert get_auction(capi, auction_id)["bids"] == 1
    assert ledger_check(capi, db)["ok"] is True


def test_the_hammer_captures_the_winners_card_and_a_refund_goes_back_to_it(capi, card_server):
    db = card_server.database_url
    world, ann = card_world(capi, db)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    with RoomClient(card_server.ws_base, show_id, ann.token) as a:
        open_auction(capi, world)
        assert bid(a, auction_id, max=25000)["data"]["outcome"] == "leading"
        won = a.wait_frame(lambda f: f["type"] == "auction.won", timeout=40)
        assert won["card_last4"] == "4242"
    ended = wait_ended(capi, auction_id)
    assert (ended["result"], ended["hammer"]["amount_minor"]) == ("sold", 10000)
    intent = intents_of(ann.id, auction_id)[0]
    assert (intent["status"], intent["amount_received"]) == ("succeeded", 10000)  # the price, not the maximum
    order = capi.get(f"/api/v1/orders/{won['order_id']}", headers=ann.headers).json()
    assert (order["status"], order["payment_provider"], order["total"]["amount_minor"]) == ("paid", "stripe", 10000)
    assert balance(capi, ann) == 0
    assert ledger_check(capi, db)["ok"] is True
    cancelled = capi.post(f"/api/v1/orders/{order['id']}/cancel", headers=ann.headers)
    assert cancelled.status_code == 200, cancelled.text
    deadline = time.monotonic() + 10
    while not any(r["payment_intent"] == intent["id"] for r in FakeStripe.refunds):
        assert time.monotonic() < deadline, FakeStripe.refunds
        time.sleep(0.1)
    refund = next(r for r in FakeStripe.refunds if r["payment_intent"] == intent["id"])
    assert (refund["amount"], refund["idempotency_key"]) == (10000, order["ref"])
    assert ledger_check(capi, db)["ok"] is True


def test_a_card_that_refuses_the_capture_passes_the_lot_to_the_runner_up(capi, card_server):
    db = card_server.database_url
    world, ann = card_world(capi, db, "capture_declined")
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    bo = bidder(capi, db, name="Bo")
    with RoomClient(card_server.ws_base, show_id, ann.token) as a, \
            RoomClient(card_server.ws_base, show_id, bo.token) as b:
        open_auction(capi, world)
        assert bid(b, auction_id)["data"]["outcome"] == "leading"
        assert bid(a, auction_id, max=30000)["data"]["outcome"] == "leading"
        offered = b.wait_frame(lambda f: f["type"] == "auction.offered", timeout=40)
        assert offered["price"]["amount_minor"] == 10000
    ended = wait_ended(capi, auction_id)
    assert (ended["result"], ended["winner_name"]) == ("offered", None)
    wait_intent(intents_of(ann.id, auction_id)[0]["id"], "canceled")  # the authorization is let go
    assert balance(capi, bo) == 100_000 and get_auction(capi, auction_id, ann)["mine"]["held"]["amount_minor"] == 0
    accepted = capi.post(f"/api/v1/auctions/{auction_id}/accept", headers=bo.headers)
    assert accepted.status_code in (200, 201), accepted.text
    assert balance(capi, bo) == 90_000
    assert ledger_check(capi, db)["ok"] is True


def test_a_capture_stripe_could_not_take_waits_and_the_close_finishes_once_it_answers(capi, card_server):
    db = card_server.database_url
    world, ann = card_world(capi, db)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    FakeStripe.captures_down = True
    try:
        with RoomClient(card_server.ws_base, show_id, ann.token) as a:
            open_auction(capi, world)
            assert bid(a, auction_id)["data"]["outcome"] == "leading"
            deadline = time.monotonic() + 30
            while get_auction(capi, auction_id)["status"] != "ended":  # ended: no bid counts, the close waits
                assert time.monotonic() < deadline
                time.sleep(0.3)
            late = bid(a, auction_id, max=90000)
            assert (late["field"], late["rule"]) == ("auction_id", "closed")
            time.sleep(3)
            assert get_auction(capi, auction_id)["result"] is None  # no order while the card is not charged
            FakeStripe.captures_down = False
            won = a.wait_frame(lambda f: f["type"] == "auction.won", timeout=60)  # the sweep tries again
    finally:
        FakeStripe.captures_down = False
    assert get_auction(capi, auction_id)["result"] == "sold"
    charged = [i for i in intents_of(ann.id, auction_id) if i["status"] == "succeeded"]
    assert [i["amount_received"] for i in charged] == [10000]
    orders = capi.get(f"/api/v1/orders/{won['order_id']}", headers=ann.headers).json()
    assert orders["status"] == "paid"
    assert ledger_check(capi, db)["ok"] is True


def test_the_wallet_page_lists_a_saved_card_and_removes_it_on_a_phone_in_arabic_and_on_a_desktop(
        capi, card_server, chromium, screenshot):
    from tests.web.conftest import DESKTOP, PHONE
    from tests.web.support import logged_in_page, until

    buyer = register(capi, language="ar")
    save_card(capi, buyer)
    other = register(capi, language="en")
    save_card(capi, other, "capture_declined")
    context, page = logged_in_page(chromium, card_server.url, buyer, "/account/wallet?card=saved", **PHONE,
                                   locale="ar")
    try:
        assert page.locator("html").get_attribute("dir") == "rtl"
        label = page.locator("[data-card-label]")
        assert label.count() == 1 and "4242" in label.inner_text() and "المنتهية" in label.inner_text()
        assert page.locator("[data-card-news=saved]").is_visible()
        assert page.locator("[data-card-save] button").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone: {width}px"
        screenshot(page, "wallet_saved_card_phone_ar", full_page=True)
        page.locator("[data-card-remove]").tap()
        until(page, "document.querySelector('[data-card-news=removed]') !== null")
        assert page.locator("[data-card-label]").count() == 0 and page.locator("[data-cards-empty]").is_visible()
        assert page.errors == []
    finally:
        context.close()
    assert capi.get("/api/v1/me/cards", headers=buyer.headers).json()["cards"] == []
    context, page = logged_in_page(chromium, card_server.url, other, "/account/wallet", **DESKTOP)
    try:
        assert "Mastercard ending 0341" in page.locator("[data-card-label]").inner_text()
        assert "Expires 12/2030" in page.locator("[data-saved-cards]").inner_text()
        screenshot(page, "wallet_saved_card_desktop")
    finally:
        context.close()
