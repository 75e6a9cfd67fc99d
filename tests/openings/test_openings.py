"""Paid openings: buying tickets through the ledger, the line, opening on camera, closing a lot, the room."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.helpers import register
from tests.openings.support import buy_ticket, buyer_with, live_lot, make_lot, open_ticket, wallet_minor
from tests.orders.support import ADDRESS, ledger_check
from tests.room_client import RoomClient


def test_full_flow_through_the_api_and_the_room(api, app_server):
    world = live_lot(api, price_minor=990, quantity=3)
    seller, lot, show_id = world["seller"], world["lot"], world["show"]["id"]
    wang, li = (buyer_with(api, app_server.database_url, name=n) for n in ("Wang", "Li"))
    with RoomClient(app_server.ws_base, show_id, token=li.token) as room:
        assert room.snapshot["openings"]["lots"][0]["title"] == "Akoya oyster"
        first = buy_ticket(api, wang, lot["id"])
        assert first.status_code == 201, first.text
        assert first.json()["position"] == 1 and wallet_minor(api, wang) == 10_000 - 990
        second = buy_ticket(api, li, lot["id"]).json()
        assert room.wait_event("opening.queue", lambda d: d["sold"] == 2)["queued_positions"] == [1, 2]
        places = api.get(f"/api/v1/shows/{show_id}/openings", headers=li.headers).json()["places"]
        assert places == [{"ticket_id": second["id"], "lot_id": lot["id"], "position": 2, "place": 2}]

        queue = api.get(f"/api/v1/openings/{lot['id']}/queue", headers=seller.headers).json()["items"]
        assert [(t["buyer_name"], t["position"]) for t in queue] == [("Wang", 1), ("Li", 2)]
        assert api.get(f"/api/v1/openings/{lot['id']}/queue", headers=li.headers).status_code == 403
        as_viewer = open_ticket(api, li, lot["id"], first.json()["id"], pearl_count=4)
        assert as_viewer.status_code == 403
        early = open_ticket(api, seller, lot["id"], second["id"], pearl_count=1)
        assert early.status_code == 409 and early.json()["errors"][0]["rule"] == "next_in_line"

        opened = open_ticket(api, seller, lot["id"], first.json()["id"], pearl_count=4, colour="white", grade="AA",
                             size_mm=7.5, stream_offset_s=321, photo_url="/media/uploads/snap.jpg")
        assert opened.status_code == 200, opened.text
        result = room.wait_event("opening.result")
        assert (result["buyer_name"], result["kind"], result["summary"]) == ("Wang", "oyster", "4 pearls")
        assert result["stream_offset_s"] == 321
        assert room.wait_event("opening.queue", lambda d: d["opened"] == 1)["queued_positions"] == [2]
        again = open_ticket(api, seller, lot["id"], first.json()["id"], pearl_count=9)
        assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "not_opened"

    other = make_lot(api, seller, show_id, title="Mystery box", kind="mystery_box")
    foreign = open_ticket(api, seller, other["id"], second["id"], summary="a ring")
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["rule"] == "ticket_of_lot"

    # An outcome is never edited: a correction is a new audit entry.
    fixed = api.post(f"/api/v1/openings/{lot['id']}/tickets/{first.json()['id']}/corrections", headers=seller.headers,
                     json={"reason": "one was a shell fragment", "outcome": {"pearl_count": 3}})
    assert fixed.status_code == 201, fixed.text
    mine = api.get("/api/v1/me/openings", headers=wang.headers).json()["items"]
    assert mine[0]["outcome"]["pearl_count"] == 4 and mine[0]["fulfilment"] == "awaiting_choice"
    log = api.get(f"/api/v1/openings/{lot['id']}/audit").json()["entries"]
    assert [e["action"] for e in log] == ["lot_created", "ticket_bought", "ticket_bought", "opened", "corrected"]

    # The buyer owns what was inside: an order of theirs ships it (this lot offers no jewellery setting).
    no_setting = api.post(f"/api/v1/me/openings/{first.json()['id']}/fulfilment", headers=wang.headers,
                          json={"choice": "jewellery", "shipping": ADDRESS})
    assert no_setting.status_code == 422 and no_setting.json()["errors"][0]["rule"] == "addon_offered"
    chosen = api.post(f"/api/v1/me/openings/{first.json()['id']}/fulfilment", headers=wang.headers,
                      json={"choice": "ship", "shipping": ADDRESS})
    assert chosen.status_code == 200 and chosen.json()["fulfilment"] == "ship"
    assert chosen.json()["order"]["status"] == "paid" and chosen.json()["order"]["total"]["amount_minor"] == 0
    stolen = api.post(f"/api/v1/me/openings/{second['id']}/fulfilment", headers=wang.headers,
                      json={"choice": "ship", "shipping": ADDRESS})
    assert stolen.status_code == 404
    assert ledger_check(api, app_server.database_url)["ok"]


def test_absent_buyer_is_set_aside_and_opened_later(api, app_server):
    world = live_lot(api, quantity=3)
    seller, lot_id = world["seller"], world["lot"]["id"]
    buyers = [buyer_with(api, app_server.database_url) for _ in range(3)]
    tickets = [buy_ticket(api, b, lot_id).json()["id"] for b in buyers]
    aside = api.post(f"/api/v1/openings/{lot_id}/tickets/{tickets[0]}/set-aside", headers=seller.headers)
    assert aside.status_code == 200 and aside.json()["status"] == "set_aside"
    assert open_ticket(api, seller, lot_id, tickets[1], pearl_count=2).status_code == 200
    assert open_ticket(api, seller, lot_id, tickets[0], pearl_count=1).status_code == 200  # back later
    one = api.get("/api/v1/me/openings", headers=buyers[0].headers).json()["items"][0]
    assert one["status"] == "opened" and one["outcome"]["pearl_count"] == 1


def test_double_click_on_buy_is_idempotent(api, app_server):
    lot_id = live_lot(api)["lot"]["id"]
    wang = buyer_with(api, app_server.database_url)
    with ThreadPoolExecutor(4) as pool, httpx.Client(base_url=app_server.url, timeout=30) as client:
        answers = list(pool.map(lambda _: buy_ticket(client, wang, lot_id, key="double-click-1"), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert wallet_minor(api, wang) == 10_000 - 990
    assert api.get(f"/api/v1/openings/{lot_id}").json()["sold"] == 1
    assert ledger_check(api, app_server.database_url)["ok"]


def test_queue_follows_purchase_order_under_concurrency_and_stops_at_quantity(api, app_server):
    world = live_lot(api, quantity=6)
    lot_id = world["lot"]["id"]
    buyers = [buyer_with(api, app_server.database_url) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool, httpx.Client(base_url=app_server.url, timeout=30) as client:
        answers = list(pool.map(lambda b: buy_ticket(client, b, lot_id), buyers))
    won = sorted((a for a in answers if a.status_code == 201), key=lambda a: a.json()["id"])
    refused = [a for a in answers if a.status_code != 201]
    assert len(won) == 6 and [a.json()["position"] for a in won] == [1, 2, 3, 4, 5, 6]
    assert all(a.status_code == 409 and a.json()["errors"][0]["rule"] == "available" for a in refused)
    losers = [b for b, a in zip(buyers, answers) if a.status_code != 201]
    assert all(wallet_minor(api, b) == 10_000 for b in losers)
    queue = api.get(f"/api/v1/openings/{lot_id}/queue", headers=world["seller"].headers).json()["items"]
    assert [t["position"] for t in queue] == [1, 2, 3, 4, 5, 6]
    assert ledger_check(api, app_server.database_url)["ok"]


def test_unopened_tickets_are_refunded_and_the_buyer_is_told(api, app_server):
    world = live_lot(api, quantity=3)
    seller, lot_id, show_id = world["seller"], world["lot"]["id"], world["show"]["id"]
    wang, li = buyer_with(api, app_server.database_url), buyer_with(api, app_server.database_url)
    opened, waiting = buy_ticket(api, wang, lot_id).json()["id"], buy_ticket(api, li, lot_id).json()["id"]
    open_ticket(api, seller, lot_id, opened, pearl_count=2)
    assert wallet_minor(api, li) == 10_000 - 990
    bad = api.post(f"/api/v1/openings/{lot_id}/close", headers=seller.headers, json={"unopened": "follow_up"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "follow_up_show_id"
    assert api.post(f"/api/v1/openings/{lot_id}/close", headers=li.headers, json={"unopened": "refund"}).status_code == 403
    with RoomClient(app_server.ws_base, show_id, token=li.token) as room:
        closed = api.post(f"/api/v1/openings/{lot_id}/close", headers=seller.headers, json={"unopened": "refund"})
        assert closed.status_code == 200, closed.text
        told = room.wait_event("opening.closed")
    assert told["tickets"] == [{"ticket_id": waiting, "buyer_id": li.id, "status": "refunded"}]
    assert wallet_minor(api, li) == 10_000 and wallet_minor(api, wang) == 10_000 - 990
    assert api.get("/api/v1/me/openings", headers=li.headers).json()["items"][0]["status"] == "refunded"
    late = open_ticket(api, seller, lot_id, waiting, pearl_count=1)
    assert late.status_code == 409 and late.json()["errors"][0]["rule"] == "lot_open"
    assert buy_ticket(api, wang, lot_id).status_code == 409
    assert ledger_check(api, app_server.database_url)["ok"]


def test_bad_lots_and_poor_buyers_are_refused_and_nothing_is_written(api, app_server):
    world = live_lot(api)
    seller, show_id = world["seller"], world["show"]["id"]
    viewer = register(api)
    as_viewer = api.post(f"/api/v1/shows/{show_id}/openings", headers=viewer.headers,
                         json={"kind": "oyster", "title": "x", "price_minor": 100, "quantity": 1})
    assert as_viewer.status_code == 403
    few = api.post(f"/api/v1/shows/{show_id}/openings", headers=seller.headers,
                   json={"kind": "oyster", "title": "x", "price_minor": 100, "quantity": 3, "random_pick": True,
                         "pick_items": ["A", "B"]})
    assert few.status_code == 422 and few.json()["errors"][0]["rule"] == "enough_items"
    free = api.post(f"/api/v1/shows/{show_id}/openings", headers=seller.headers,
                    json={"kind": "oyster", "title": "x", "price_minor": 0, "quantity": 3})
    assert free.status_code == 422 and free.json()["errors"][0]["field"].endswith("price_minor")
    assert len(api.get(f"/api/v1/shows/{show_id}/openings").json()["items"]) == 1
    poor = buyer_with(api, app_server.database_url, amount_minor=500)
    refused = buy_ticket(api, poor, world["lot"]["id"])
    assert refused.status_code == 409 and refused.json()["errors"][0]["rule"] == "sufficient_funds"
    no_key = api.post(f"/api/v1/openings/{world['lot']['id']}/tickets", headers=poor.headers)
    assert no_key.status_code == 422 and no_key.json()["errors"][0]["field"] == "Idempotency-Key"
    assert api.get(f"/api/v1/openings/{world['lot']['id']}").json()["sold"] == 0
    assert wallet_minor(api, poor) == 500
