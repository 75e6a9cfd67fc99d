"""Giveaways over a real server and real sockets: who may enter, once each, the draw anyone can redo, the prizes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from livestall.giveaways.draw import commitment, verify_winners, winners_of
from tests.festivals.support import wallet_balance
from tests.giveaways.support import draw_now, enter_when_written, refusal, room, start_giveaway
from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import buy, ledger_check, live_shop, top_up


def test_each_rule_of_who_may_enter_and_one_entry_per_viewer(api, app_server):
    world = live_shop(api, price_minor=1000, stock=20)
    seller, show_id = world["seller"], world["show"]["id"]
    fan, buyer, talker, stranger = (register(api, display_name=n) for n in ("Fan", "Buyer", "Talker", "Stranger"))

    followers = start_giveaway(api, seller, show_id, eligibility="followers")
    assert followers["seed"] is None and len(followers["seed_hash"]) == 64  # committed, not revealed
    with room(app_server, show_id, fan) as fan_room, room(app_server, show_id, stranger) as stranger_room:
        assert fan_room.snapshot["giveaways"]["current"]["id"] == followers["id"]
        assert refusal(fan_room.request("enter_giveaway", giveaway_id=followers["id"])) == (
            "error", "followers", "not_eligible")
        assert api.put(f"/api/v1/me/follows/host/{seller.id}", headers=fan.headers).status_code == 204
        entered = fan_room.request("enter_giveaway", giveaway_id=followers["id"])
        assert entered["type"] == "ack", entered
        assert refusal(fan_room.request("enter_giveaway", giveaway_id=followers["id"])) == (
            "error", "giveaway_id", "already_entered")
        counted = stranger_room.wait_event("giveaway.entries", lambda d: d["id"] == followers["id"])
        assert counted["entries"] == 1
        seller_room = room(app_server, show_id, seller)
        assert seller_room.request("enter_giveaway", giveaway_id=followers["id"])["code"] == "forbidden"
        seller_room.close()
    draw_now(api, seller, followers["id"])

    buyers = start_giveaway(api, seller, show_id, eligibility="buyers")
    with room(app_server, show_id, buyer) as buyer_room:
        assert refusal(buyer_room.request("enter_giveaway", giveaway_id=buyers["id"])) == (
            "error", "buyers", "not_eligible")
        order = buy(api, buyer, show_id, world["product"]["id"]).json()
        assert refusal(buyer_room.request("enter_giveaway", giveaway_id=buyers["id"]))[2] == "not_eligible"  # unpaid
        top_up(api, app_server.database_url, buyer, 5000)
        assert api.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers,
                        json={"provider": "wallet"}).status_code == 200
        assert buyer_room.request("enter_giveaway", giveaway_id=buyers["id"])["type"] == "ack"
    draw_now(api, seller, buyers["id"])

    keyword = start_giveaway(api, seller, show_id, eligibility="keyword", keyword="Lucky Bag")
    assert keyword["keyword"] == "Lucky Bag"
    with room(app_server, show_id, talker) as talker_room:
        assert refusal(talker_room.request("enter_giveaway", giveaway_id=keyword["id"])) == (
            "error", "keyword", "not_eligible")
        assert talker_room.request("chat.send", text="me please, lucky bag!")["type"] == "ack"
        assert enter_when_written(talker_room, keyword["id"])["type"] == "ack"
    draw_now(api, seller, keyword["id"])

    everyone = start_giveaway(api, seller, show_id)
    with room(app_server, show_id, stranger) as stranger_room:
        assert stranger_room.request("enter_giveaway", giveaway_id=everyone["id"])["type"] == "ack"
        draw_now(api, seller, everyone["id"])
        late = register(api)
        assert refusal(room(app_server, show_id, late).request("enter_giveaway", giveaway_id=everyone["id"])) == (
            "error", "giveaway_id", "closed")
    again = api.post(f"/api/v1/giveaways/{everyone['id']}/draw", headers=seller.headers)
    assert again.status_code == 409  # drawn once


def test_bad_giveaways_are_refused_by_field_and_change_nothing(api):
    world = live_shop(api, stock=1)
    seller, show_id = world["seller"], world["show"]["id"]
    url = f"/api/v1/shows/{show_id}/giveaways"

    def rule(body):
        response = api.post(url, headers=seller.headers, json=body)
        error = response.json()["errors"][0]
        return response.status_code, error["field"], error["rule"]

    assert rule({"prize": "product"}) == (422, "product_id", "required")
    assert rule({"prize": "product", "product_id": world["product"]["id"], "winners": 2}) == (422, "product_id",
                                                                                              "in_stock")
    assert rule({"prize": "credit"}) == (422, "amount_minor", "required")
    assert rule({"prize": "credit", "amount_minor": 100}) == (422, "amount_minor", "shop_funds")  # no takings yet
    assert rule({"prize": "voucher", "amount_minor": 100, "eligibility": "keyword"}) == (422, "keyword", "required")
    assert rule({"prize": "voucher", "amount_minor": 100, "duration_s": 5})[1:] == ("duration_s", "greater_than_equal")
    assert api.get(f"/api/v1/shows/{show_id}/giveaways").json()["items"] == []
    start_giveaway(api, seller, show_id)
    assert rule({"prize": "voucher", "amount_minor": 100}) == (409, "status", "one_running")


def test_the_draw_is_published_reproducible_and_a_tampered_list_fails(api, app_server, tmp_path):
    world = live_shop(api)
    seller, show_id = world["seller"], world["show"]["id"]
    giveaway = start_giveaway(api, seller, show_id, winners=2, duration_s=10)
    viewers = [register(api, display_name=f"Viewer {i}") for i in range(5)]
    rooms = [room(app_server, show_id, v) for v in viewers]
    try:
        entries = {}
        for client in rooms:
            reply = client.request("enter_giveaway", giveaway_id=giveaway["id"])
            assert reply["type"] == "ack", reply
            entries[reply["data"]["entry_id"]] = client
        drawn = rooms[0].wait_event("giveaway.drawn", lambda d: d["id"] == giveaway["id"], timeout=30)
        assert drawn["entries"] == 5 and commitment(drawn["seed"]) == giveaway["seed_hash"]
        assert [w["place"] for w in drawn["winners"]] == [1, 2]
        winner_ids = {w["entry_id"] for w in drawn["winners"]}
        for entry_id, client in entries.items():  # each winner is told privately, and only the winners
            if entry_id in winner_ids:
                place = client.wait_frame(lambda f: f["type"] == "giveaway.prize")["place"]
                assert place == next(w["place"] for w in drawn["winners"] if w["entry_id"] == entry_id)
        losers = [c for e, c in entries.items() if e not in winner_ids]
        with pytest.raises(TimeoutError):
            losers[0].wait_frame(lambda f: f["type"] == "giveaway.prize", timeout=1)
    finally:
        for client in rooms:
            client.close()

    record = api.get(f"/api/v1/giveaways/{giveaway['id']}/verification").json()
    assert record["verified"] is True and record["seed"] == drawn["seed"]
    entry_ids = [e["id"] for e in record["entries"]]
    assert entry_ids == sorted(entry_ids) and set(record["winner_entry_ids"]) == winner_ids
    assert winners_of(record["seed"], entry_ids, 2) == record["winner_entry_ids"]  # anyone recomputes them
    without_a_winner = [i for i in entry_ids if i != record["winner_entry_ids"][0]]
    assert not verify_winners(seed=record["seed"], seed_hash=record["seed_hash"], entry_ids=without_a_winner,
                              winners=2, claimed=record["winner_entry_ids"])
    assert not verify_winners(seed="0" * 64, seed_hash=record["seed_hash"], entry_ids=entry_ids, winners=2,
                              claimed=record["winner_entry_ids"])

    # The record kept by the server is checked too: a winner moved to another entry fails its own check.
    loser = next(i for i in entry_ids if i not in winner_ids)
    run_sql(app_server.database_url, "UPDATE giveaway_entries SET won_place = NULL WHERE id = :id",
            id=record["winner_entry_ids"][0])
    run_sql(app_server.database_url, "UPDATE giveaway_entries SET won_place = 1 WHERE id = :id", id=loser)
    assert api.get(f"/api/v1/giveaways/{giveaway['id']}/verification").json()["verified"] is False

    from livestall.cli import app as cli

    saved = tmp_path / "record.json"
    saved.write_text(json.dumps(record))
    for command in (["verify-draw"], ["giveaways", "verify"]):
        ok = CliRunner().invoke(cli, [*command, str(giveaway["id"]), "--record", str(saved)])
        assert ok.exit_code == 0 and "draw OK" in ok.output, ok.output
    # A list with a winner's entry taken out (or the winners swapped) no longer gives these winners.
    tampered = {**record, "entries": [e for e in record["entries"] if e["id"] != record["winner_entry_ids"][1]]}
    swapped = {**record, "winner_entry_ids": record["winner_entry_ids"][::-1]}
    for bad in (tampered, swapped):
        saved.write_text(json.dumps(bad))
        refused = CliRunner().invoke(cli, ["verify-draw", str(giveaway["id"]), "--record", str(saved)])
        assert refused.exit_code == 1 and "MISMATCH" in refused.output, refused.output


@pytest.mark.parametrize("prize", ["product", "credit", "voucher"])
def test_prizes_are_delivered_and_the_books_balance(api, app_server, prize):
    world = live_shop(api, price_minor=3000, stock=5)
    seller, show_id, product = world["seller"], world["show"]["id"], world["product"]
    shopper = register(api)
    top_up(api, app_server.database_url, shopper, 10000)
    order = buy(api, shopper, show_id, product["id"]).json()  # the shop's takings fund a credit prize
    assert api.post(f"/api/v1/orders/{order['id']}/pay", headers=shopper.headers,
                    json={"provider": "wallet"}).status_code == 200
    fields = {"product": {"product_id": product["id"]}, "credit": {"amount_minor": 1200},
              "voucher": {"amount_minor": 800, "voucher_hours": 48}}[prize]
    giveaway = start_giveaway(api, seller, show_id, prize=prize, **fields)
    winner = register(api, display_name="Lucky")
    with room(app_server, show_id, winner) as client:
        assert client.request("enter_giveaway", giveaway_id=giveaway["id"])["type"] == "ack"
        drawn = draw_now(api, seller, giveaway["id"])
        assert [w["name"] for w in drawn["winners"]] == ["Lucky"]
        told = client.wait_frame(lambda f: f["type"] == "giveaway.prize")
        if prize == "product":  # the shelf hears the unit given away
            client.wait_event("stock.changed", lambda d: d["product_id"] == product["id"] and d["units_left"] == 3)
    assert (told["status"], told["place"], told["prize"]) == ("delivered", 1, prize)

    if prize == "product":
        orders = api.get("/api/v1/me/orders", headers=winner.headers).json()["items"]
        assert [(o["ref"], o["status"], o["total"]["amount_minor"]) for o in orders] == [(told["ref"], "paid", 0)]
        assert api.get(f"/api/v1/products/{product['id']}").json()["stock"] == 3  # one sold, one given away
    elif prize == "credit":
        assert wallet_balance(api, winner) == 1200
    else:
        quote = api.post("/api/v1/vouchers/quote", headers=winner.headers, json={
            "code": told["ref"], "shop_id": world["shop"]["id"], "amount_minor": 3000, "currency": "CNY"})
        assert quote.status_code == 200 and quote.json()["discount"]["amount_minor"] == 800, quote.text
        other = api.post("/api/v1/vouchers/quote", headers=shopper.headers, json={
            "code": told["ref"], "shop_id": world["shop"]["id"], "amount_minor": 3000, "currency": "CNY"})
        assert other.json()["errors"][0]["rule"] == "voucher_holder"
    books = ledger_check(api, app_server.database_url)
    assert books["ok"], books
