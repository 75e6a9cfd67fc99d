"""Unopened tickets carried over to a follow-up show: opened there in their original order, or refunded there."""

from __future__ import annotations

from tests.helpers import make_show
from tests.openings.support import buy_ticket, buyer_with, live_lot, open_ticket, wallet_minor
from tests.openings.test_fairness import independent_verifier
from tests.orders.support import ledger_check
from tests.room_client import RoomClient


def _close(api, seller, lot_id: int, **body):
    return api.post(f"/api/v1/openings/{lot_id}/close", headers=seller.headers, json=body)


def test_carried_tickets_open_in_the_follow_up_show_in_their_original_order(api, app_server):
    world = live_lot(api, quantity=4)
    seller, lot_id, show_id, shop = world["seller"], world["lot"]["id"], world["show"]["id"], world["shop"]
    buyers = [buyer_with(api, app_server.database_url, name=n) for n in ("Wang", "Li", "Zhao", "Chen")]
    tickets = [buy_ticket(api, b, lot_id).json()["id"] for b in buyers]
    open_ticket(api, seller, lot_id, tickets[0], pearl_count=1)
    api.post(f"/api/v1/openings/{lot_id}/tickets/{tickets[1]}/set-aside", headers=seller.headers)  # Li was away
    follow = make_show(api, seller, shop["id"], minutes_ahead=24 * 60)
    with RoomClient(app_server.ws_base, show_id, token=buyers[2].token) as room:
        closed = _close(api, seller, lot_id, unopened="follow_up", follow_up_show_id=follow["id"])
        assert closed.status_code == 200, closed.text
        told = room.wait_event("opening.closed")
    carried = closed.json()["follow_up_lot"]
    assert (told["follow_up_show_id"], told["follow_up_lot_id"]) == (follow["id"], carried["id"])
    assert [t["ticket_id"] for t in told["tickets"]] == tickets[1:]
    assert (carried["show_id"], carried["carried_from_lot_id"], carried["sold"], carried["left"]) == (
        follow["id"], lot_id, 3, 0)
    assert all(wallet_minor(api, b) == 10_000 - 990 for b in buyers)  # nothing refunded, nothing charged again

    # What Zhao sees on "my openings": the old ticket moved, with the show; the new one in line.
    new_ticket, old_ticket = api.get("/api/v1/me/openings", headers=buyers[2].headers).json()["items"][:2]
    assert (old_ticket["status"], old_ticket["follow_up_show"]["id"]) == ("carried_over", follow["id"])
    assert (new_ticket["status"], new_ticket["show_id"], new_ticket["carried_from_ticket_id"]) == (
        "queued", follow["id"], tickets[2])

    assert api.post(f"/api/v1/shows/{follow['id']}/start", headers=seller.headers).status_code == 200
    line = api.get(f"/api/v1/openings/{carried['id']}/queue", headers=seller.headers).json()["items"]
    assert [(t["buyer_name"], t["position"]) for t in line] == [("Li", 1), ("Zhao", 2), ("Chen", 3)]
    early = open_ticket(api, seller, carried["id"], line[1]["id"], pearl_count=1)
    assert early.status_code == 409 and early.json()["errors"][0]["rule"] == "next_in_line"
    assert open_ticket(api, seller, carried["id"], line[0]["id"], pearl_count=5).status_code == 200
    assert open_ticket(api, seller, carried["id"], line[1]["id"], pearl_count=2).status_code == 200
    assert buy_ticket(api, buyers[0], carried["id"]).status_code == 409  # no new sales in a carried lot

    # Chen is still waiting when the follow-up lot closes: the first show's payment is given back.
    assert _close(api, seller, carried["id"], unopened="refund").status_code == 200
    assert wallet_minor(api, buyers[3]) == 10_000
    assert [wallet_minor(api, b) for b in buyers[:3]] == [10_000 - 990] * 3
    assert ledger_check(api, app_server.database_url)["ok"]


def test_a_carried_random_pick_keeps_its_seed_secret_until_the_last_lot_closes(api, app_server):
    items = [f"oyster {n}" for n in range(1, 7)]
    world = live_lot(api, quantity=3, random_pick=True, pick_items=items)
    seller, lot = world["seller"], world["lot"]
    buyers = [buyer_with(api, app_server.database_url) for _ in range(3)]
    tickets = [buy_ticket(api, b, lot["id"]).json()["id"] for b in buyers]
    first = open_ticket(api, seller, lot["id"], tickets[0], pearl_count=1).json()["drawn_item"]
    follow = make_show(api, seller, world["shop"]["id"], minutes_ahead=120)
    carried = _close(api, seller, lot["id"], unopened="follow_up", follow_up_show_id=follow["id"]).json()
    assert carried["seed"] is None  # the carried draws are not known before they are opened
    assert api.get(f"/api/v1/openings/{lot['id']}/audit").json()["seed"] is None
    follow_lot = carried["follow_up_lot"]
    assert follow_lot["seed_hash"] == lot["seed_hash"]
    line = api.get(f"/api/v1/openings/{follow_lot['id']}/queue", headers=seller.headers).json()["items"]
    drawn = [first] + [open_ticket(api, seller, follow_lot["id"], t["id"], pearl_count=1).json()["drawn_item"]
                       for t in line]
    audit = api.get(f"/api/v1/openings/{follow_lot['id']}/audit").json()
    assert audit["seed"] is None
    _close(api, seller, follow_lot["id"], unopened="refund")
    audit = api.get(f"/api/v1/openings/{follow_lot['id']}/audit").json()
    assert independent_verifier(audit["seed"], lot["seed_hash"], items, drawn)
    assert ledger_check(api, app_server.database_url)["ok"]


def test_a_follow_up_must_be_another_scheduled_show_of_the_shop(api, app_server):
    world = live_lot(api)
    seller, lot_id, show_id = world["seller"], world["lot"]["id"], world["show"]["id"]
    same = _close(api, seller, lot_id, unopened="follow_up", follow_up_show_id=show_id)
    assert same.status_code == 422 and same.json()["errors"][0]["rule"] == "scheduled_show_of_shop"
    other = live_lot(api)
    foreign = _close(api, seller, lot_id, unopened="follow_up", follow_up_show_id=other["show"]["id"])
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["rule"] == "scheduled_show_of_shop"
    assert api.get(f"/api/v1/openings/{lot_id}").json()["status"] == "open"
