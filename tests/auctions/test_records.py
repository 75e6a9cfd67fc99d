"""What an auction leaves behind: its bids on record, its chapter in the replay, and the show's auction figures."""

from __future__ import annotations

from datetime import datetime

from tests.auctions.support import auction_world, bidder, get_auction, open_auction, wait_ended
from tests.helpers_db import replay_chapters
from tests.room_client import RoomClient


def test_bids_chapters_and_figures_are_kept(api, app_server, database_url):
    world = auction_world(api, duration_s=10)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    ann, bo = bidder(api, database_url, name="Ann"), bidder(api, database_url, name="Bo")
    with RoomClient(app_server.ws_base, show_id, ann.token) as a, RoomClient(app_server.ws_base, show_id, bo.token) as b:
        open_auction(api, world)
        a.request("bid", auction_id=auction_id, max=20000)
        b.request("bid", auction_id=auction_id, amount=15000)
    ended = wait_ended(api, auction_id)
    assert (ended["result"], ended["hammer"]["amount_minor"], ended["winner_name"]) == ("sold", 16000, "Ann")
    # The hammer's order is packed in Ann's parcel from the shop, with whatever else she buys in the show.
    packing = api.get(f"/api/v1/shops/{world['shop']['id']}/parcels", headers=world["seller"].headers,
                      params={"show_id": show_id}).json()["items"]
    assert [[(o["product_id"], o["total"]["amount_minor"]) for o in p["orders"]] for p in packing
            if p["buyer_id"] == ann.id] == [[(world["product"]["id"], 16000)]]
    record = get_auction(api, auction_id)["latest_bids"]
    assert [(b["bidder_name"], b["amount_minor"], b["outcome"], b["price_after_minor"]) for b in record] == [
        ("Bo", 15000, "outbid", 16000), ("Ann", 10000, "leading", 10000)]

    second = api.post(f"/api/v1/shows/{show_id}/auctions", headers=world["seller"].headers,
                      json={"product_id": world["product"]["id"], "starting_price_minor": 5000})
    assert second.status_code == 201, second.text
    busy = api.post(f"/api/v1/shows/{show_id}/auctions", headers=world["seller"].headers,
                    json={"product_id": world["product"]["id"], "starting_price_minor": 5000})
    assert busy.status_code == 409 and busy.json()["errors"][0]["rule"] == "one_at_a_time"
    assert api.post(f"/api/v1/auctions/{second.json()['id']}/open", headers=world["seller"].headers).status_code == 200
    assert api.post(f"/api/v1/auctions/{second.json()['id']}/cancel", headers=world["seller"].headers).status_code == 200

    figures = api.get(f"/api/v1/shows/{show_id}/auctions").json()
    assert [(i["id"], i["status"], i["result"]) for i in figures["items"]] == [
        (auction_id, "ended", "sold"), (second.json()["id"], "cancelled", None)]
    assert figures["totals"] == {"auctions": 2, "sold": 1, "bids": 2, "bids_per_auction": 1.0,
                                 "gmv": {"amount_minor": 16000, "currency": "CNY", "formatted": "CNY 160.00"}}

    started = datetime.fromisoformat(api.get(f"/api/v1/shows/{show_id}").json()["started_at"])
    marked = [(c["title"], c["auction_id"]) for c in replay_chapters(database_url, show_id, started)
              if c["kind"] == "auction"]
    assert marked == [("Auction: Wool scarf, sold for CNY 160.00", auction_id),
                      ("Auction: Wool scarf, cancelled", second.json()["id"])]

    # The seller's page of the show's figures says the same.
    page = api.get(f"/insights/shows/{show_id}", headers=world["seller"].headers)
    assert page.status_code == 200, page.text
    assert 'data-figure="auctions-sold">1 / 2<' in page.text
    assert 'data-figure="bids-per-auction">1<' in page.text
    assert "160.00" in page.text.split('data-figure="auction-gmv">')[1].split("<")[0]
