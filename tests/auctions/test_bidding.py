"""Live auctions over real sockets: bids, proxy bids, holds, anti-sniping, the close by the server's clock, the
winner's order, the runner-up's offer, pre-bids and bids racing in one tick."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from tests.auctions.support import auction_world, balance, bidder, get_auction, open_auction, wait_ended
from tests.helpers import make_product, make_shop, make_show, register
from tests.orders.support import ledger_check
from tests.room_client import RoomClient


def bid(room: RoomClient, auction_id: int, **fields) -> dict:
    """One `bid` frame and its answer (an ack, or an error naming the field and rule)."""
    return room.request("bid", auction_id=auction_id, **fields)


def news(room: RoomClient, type: str, match=lambda f: True, timeout: float = 10) -> dict:
    return room.wait_frame(lambda f: f["type"] == type and match(f), timeout)


def test_bids_and_proxy_bids_move_the_price_and_release_the_outbid_holds(api, app_server, database_url):
    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann, bo = bidder(api, database_url, name="Ann"), bidder(api, database_url, name="Bo")
    with RoomClient(app_server.ws_base, show_id, ann.token) as a, RoomClient(app_server.ws_base, show_id, bo.token) as b:
        assert a.snapshot["auction"]["current"]["status"] == "scheduled"
        opened = open_auction(api, world)
        assert opened["status"] == "open" and opened["next_bid"]["amount_minor"] == 10000
        first = bid(a, auction_id, max=30000)  # one tap at the starting price, up to 300.00 by proxy
        assert first["type"] == "ack" and first["data"]["outcome"] == "leading", first
        assert first["data"]["price_minor"] == 10000
        news(a, "auction.winning")
        assert balance(api, ann) == 100_000 - 30000  # the maximum is held

        beaten = bid(b, auction_id)  # one tap: 110.00; Ann's maximum answers at once
        assert beaten["data"]["outcome"] == "outbid" and beaten["data"]["price_minor"] == 12000
        outbid = news(b, "auction.outbid")
        assert outbid["price"]["amount_minor"] == 12000 and outbid["leader_name"] == "Ann"
        assert balance(api, bo) == 100_000  # nothing held for a bid that lost at once

        low = bid(b, auction_id, amount=12500)
        assert (low["code"], low["field"], low["rule"]) == ("conflict", "amount", "below_minimum")
        assert "CNY 130.00" in low["message"]

        taken = bid(b, auction_id, amount=13000, max=40000)  # above Ann's maximum: Bo leads one step over it
        assert taken["data"]["outcome"] == "leading" and taken["data"]["price_minor"] == 31000
        news(a, "auction.outbid", lambda f: f["price"]["amount_minor"] == 31000)
        event = a.wait_event("auction.bid", lambda d: d["price"]["amount_minor"] == 31000)
        assert event["leader_name"] == "Bo" and event["bids"] == 3 and event["bidders"] == 2
        assert datetime.fromisoformat(event["now"]) < datetime.fromisoformat(event["ends_at"])
        assert balance(api, ann) == 100_000  # Ann's hold went back when she was outbid
        assert balance(api, bo) == 100_000 - 40000

        again = bid(b, auction_id)  # the leader taps again: nothing to bid against
        assert (again["field"], again["rule"]) == ("amount", "already_leading")
    mine = get_auction(api, auction_id, bo)["mine"]
    assert mine["leading"] is True and mine["held"]["amount_minor"] == 40000


def test_refusals_name_their_rule_and_change_nothing(api, app_server, database_url):
    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    poor = bidder(api, database_url, wallet_minor=5000)
    homeless = register(api)
    with RoomClient(app_server.ws_base, show_id, poor.token) as room, \
            RoomClient(app_server.ws_base, show_id, world["seller"].token) as seller, \
            RoomClient(app_server.ws_base, show_id, homeless.token) as nowhere:
        open_auction(api, world)
        short = bid(room, auction_id)
        assert (short["code"], short["field"], short["rule"]) == ("conflict", "amount", "insufficient_funds")
        own = bid(seller, auction_id)
        assert (own["code"], own["rule"]) == ("forbidden", "own_shop")
        no_address = bid(nowhere, auction_id)
        assert (no_address["field"], no_address["rule"]) == ("shipping", "required")
        bad = bid(room, auction_id, amount="lots")
        assert (bad["code"], bad["field"]) == ("invalid", "amount")
        capped = bid(room, auction_id, amount=20000, max=15000)
        assert (capped["field"], capped["rule"]) == ("max", "at_least_amount")
        assert api.post(f"/api/v1/auctions/{auction_id}/cancel", headers=world["seller"].headers).status_code == 200
        closed = bid(room, auction_id)
        assert (closed["field"], closed["rule"]) == ("auction_id", "closed")
    assert balance(api, poor) == 5000
    assert get_auction(api, auction_id)["bids"] == 0
    # Set-up rules, by field.
    bad_setup = api.post(f"/api/v1/shows/{show_id}/auctions", headers=world["seller"].headers,
                         json={"product_id": world["product"]["id"], "starting_price_minor": 100, "duration_s": 5})
    assert bad_setup.status_code == 422 and bad_setup.json()["errors"][0]["field"] == "duration_s"
    stranger = api.post(f"/api/v1/auctions/{auction_id}/open", headers=poor.headers)
    assert stranger.status_code == 403


def test_an_outside_host_and_the_shops_staff_may_not_bid_and_nothing_is_held(api, app_server, database_url):
    # The seller owns the shop and hosts the show: a host from outside the shop (an agency's) and staff who do not
    # host are each shut out on their own account.
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], stock=5, price_minor=30000)
    host = bidder(api, database_url, name="Lucia", roles=["host"])
    show = make_show(api, seller, shop["id"], host_id=host.id)
    [invitation] = api.get("/api/v1/me/host-invitations", headers=host.headers).json()
    assert api.post(f"/api/v1/host-invitations/{invitation['id']}/accept", headers=host.headers).status_code == 200
    staff = bidder(api, database_url, name="Mei")
    added = api.post(f"/api/v1/shops/{shop['id']}/staff", json={"email": staff.email}, headers=seller.headers)
    assert added.status_code == 201, added.text
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
    assert api.put(f"/api/v1/shows/{show['id']}/pins", headers=seller.headers,
                   json={"product_ids": [product["id"]]}).status_code == 200
    world = {"seller": seller, "auction": api.post(
        f"/api/v1/shows/{show['id']}/auctions", headers=seller.headers,
        json={"product_id": product["id"], "starting_price_minor": 10000, "duration_s": 20}).json()}
    auction_id = world["auction"]["id"]
    viewer = bidder(api, database_url, name="Ann")
    with RoomClient(app_server.ws_base, show["id"], host.token) as hosting, \
            RoomClient(app_server.ws_base, show["id"], staff.token) as working, \
            RoomClient(app_server.ws_base, show["id"], viewer.token) as watching:
        open_auction(api, world)
        for room in (hosting, working):
            refused = bid(room, auction_id, max=20000)
            assert (refused["code"], refused["field"], refused["rule"]) == ("forbidden", "auction_id", "own_shop")
        assert bid(watching, auction_id)["data"]["outcome"] == "leading"  # the same bid from a viewer counts
    assert balance(api, host) == balance(api, staff) == 100_000
    assert get_auction(api, auction_id)["bids"] == 1


def test_the_close_sells_to_the_winner_from_the_hold_and_the_books_balance(api, app_server, database_url):
    world = auction_world(api, duration_s=10, snipe_s=8)
    auction_id, show_id, product_id = world["auction"]["id"], world["show"]["id"], world["product"]["id"]
    ann, bo = bidder(api, database_url, name="Ann"), bidder(api, database_url, name="Bo")
    with RoomClient(app_server.ws_base, show_id, ann.token) as a, RoomClient(app_server.ws_base, show_id, bo.token) as b:
        opened = open_auction(api, world)
        first_end = datetime.fromisoformat(opened["ends_at"])
        assert bid(a, auction_id)["data"]["outcome"] == "leading"
        time.sleep(2.5)
        late = bid(b, auction_id, amount=15000)  # with under 8 s of 10 left: the time left goes back to 8 s
        assert late["data"]["outcome"] == "leading"
        extended = datetime.fromisoformat(late["data"]["ends_at"])
        assert extended > first_end
        ended = a.wait_event("auction.ended", timeout=30)
        assert (ended["result"], ended["winner_name"], ended["hammer"]["amount_minor"]) == ("sold", "Bo", 15000)
        assert datetime.fromisoformat(ended["now"]) >= extended
        won = news(b, "auction.won")
        after = bid(a, auction_id, amount=50000)
        assert (after["field"], after["rule"]) == ("auction_id", "closed")
    order = api.get(f"/api/v1/orders/{won['order_id']}", headers=bo.headers).json()
    assert (order["status"], order["total"]["amount_minor"], order["quantity"]) == ("paid", 15000, 1)
    assert balance(api, bo) == 100_000 - 15000 and balance(api, ann) == 100_000
    assert api.get(f"/api/v1/products/{product_id}").json()["stock"] == 4
    assert ledger_check(api, database_url)["ok"] is True
    listed = api.get(f"/api/v1/shows/{show_id}/auctions").json()
    assert listed["totals"]["sold"] == 1 and listed["totals"]["gmv"]["amount_minor"] == 15000
    assert listed["totals"]["bids"] == 2


def test_sudden_death_ends_on_time_and_an_auction_without_bids_is_unsold(api, app_server, database_url):
    world = auction_world(api, duration_s=10, snipe_s=8, sudden_death=True)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann = bidder(api, database_url)
    with RoomClient(app_server.ws_base, show_id, ann.token) as a:
        opened = open_auction(api, world)
        time.sleep(2.5)
        taken = bid(a, auction_id)
        assert taken["data"]["ends_at"] == opened["ends_at"]  # no extension
    assert wait_ended(api, auction_id)["result"] == "sold"

    quiet = auction_world(api, duration_s=10)
    open_auction(api, quiet)
    assert wait_ended(api, quiet["auction"]["id"])["result"] == "unsold"


def test_the_runner_up_is_offered_the_unit_when_the_winner_cannot_be_sold_to(api, app_server, database_url):
    world = auction_world(api, duration_s=10)
    auction_id, show_id, product_id = world["auction"]["id"], world["show"]["id"], world["product"]["id"]
    ann, bo = bidder(api, database_url, name="Ann"), bidder(api, database_url, name="Bo")
    with RoomClient(app_server.ws_base, show_id, ann.token) as a, RoomClient(app_server.ws_base, show_id, bo.token) as b:
        open_auction(api, world)
        assert bid(a, auction_id, amount=12000)["data"]["outcome"] == "leading"
        assert bid(b, auction_id, amount=20000)["data"]["outcome"] == "leading"
        # The last units go elsewhere before the close: the winner's payment fails.
        assert api.patch(f"/api/v1/products/{product_id}", json={"stock": 0},
                         headers=world["seller"].headers).status_code == 200
        ended = a.wait_event("auction.ended", timeout=30)
        assert ended["result"] == "offered" and ended["winner_name"] is None
        offer = news(a, "auction.offered")
        assert offer["price"]["amount_minor"] == 12000
    assert balance(api, bo) == 100_000 and balance(api, ann) == 100_000  # every hold went back
    not_yours = api.post(f"/api/v1/auctions/{auction_id}/accept", headers=bo.headers)
    assert not_yours.status_code == 409 and not_yours.json()["errors"][0]["rule"] == "offered_to_you"
    gone = api.post(f"/api/v1/auctions/{auction_id}/accept", headers=ann.headers)
    assert gone.status_code == 409 and gone.json()["errors"][0]["rule"] == "in_stock"
    api.patch(f"/api/v1/products/{product_id}", json={"stock": 1}, headers=world["seller"].headers)
    accepted = api.post(f"/api/v1/auctions/{auction_id}/accept", headers=ann.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["order"]["status"] == "paid" and accepted.json()["auction"]["result"] == "sold_runner_up"
    assert balance(api, ann) == 100_000 - 12000
    assert api.post(f"/api/v1/auctions/{auction_id}/accept", headers=ann.headers).status_code == 409
    assert ledger_check(api, database_url)["ok"] is True


def test_pre_bids_are_placed_as_proxy_bids_when_the_auction_opens(api, app_server, database_url):
    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann, bo = bidder(api, database_url, name="Ann"), bidder(api, database_url, name="Bo")
    with RoomClient(app_server.ws_base, show_id, ann.token) as a, RoomClient(app_server.ws_base, show_id, bo.token) as b:
        early = bid(a, auction_id, max=25000)
        assert early["data"]["outcome"] == "prebid" and early["data"]["leading"] is False
        assert bid(b, auction_id, max=15000)["data"]["outcome"] == "prebid"
        assert balance(api, ann) == 100_000 - 25000
        opened = open_auction(api, world)
        assert opened["leader_name"] == "Ann" and opened["price"]["amount_minor"] == 16000
        news(a, "auction.winning")
        news(b, "auction.outbid")
        started = b.wait_event("auction.started")
        assert started["bids"] == 2
    assert balance(api, bo) == 100_000
    api.post(f"/api/v1/auctions/{auction_id}/cancel", headers=world["seller"].headers)
    assert balance(api, ann) == 100_000  # calling it off gives every hold back


def test_two_bidders_racing_in_one_tick_are_settled_in_order_of_arrival(api, app_server, database_url):
    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    racers = [bidder(api, database_url, name=f"Racer {i}") for i in range(2)]
    rooms = [RoomClient(app_server.ws_base, show_id, r.token) for r in racers]
    try:
        open_auction(api, world)
        gate = threading.Barrier(2)
        answers: list = [None, None]

        def tap(i):
            gate.wait()
            answers[i] = bid(rooms[i], auction_id, amount=10000)  # both tap "+" at the price they both saw

        threads = [threading.Thread(target=tap, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        kinds = sorted(a["type"] for a in answers)
        assert kinds == ["ack", "error"], answers
        refused = next(a for a in answers if a["type"] == "error")
        assert refused["rule"] == "below_minimum"
        state = get_auction(api, auction_id)
        assert (state["bids"], state["price"]["amount_minor"]) == (1, 10000)
    finally:
        for room in rooms:
            room.close()


def test_an_auction_left_waiting_when_the_show_ends_is_called_off_and_pre_bids_go_back(api, app_server,
                                                                                       database_url):
    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann = bidder(api, database_url)
    with RoomClient(app_server.ws_base, show_id, ann.token) as room:
        assert bid(room, auction_id, max=25000)["data"]["outcome"] == "prebid"
    assert balance(api, ann) == 100_000 - 25000
    assert api.post(f"/api/v1/shows/{show_id}/end", headers=world["seller"].headers).status_code == 200
    deadline = time.monotonic() + 20
    while get_auction(api, auction_id)["status"] != "cancelled":
        assert time.monotonic() < deadline, "the auction was never called off"
        time.sleep(0.5)
    assert balance(api, ann) == 100_000
    refused = api.post(f"/api/v1/auctions/{auction_id}/open", headers=world["seller"].headers)
    assert refused.status_code == 409 and refused.json()["errors"][0]["rule"] == "scheduled"
