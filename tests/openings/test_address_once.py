"""One shipping address per buyer per lot: asked once for all of a buyer's openings of a lot, then reused."""

from __future__ import annotations

from tests.openings.support import buy_ticket, buyer_with, live_lot, make_lot, open_ticket
from tests.orders.support import ADDRESS
from tests.web.support import Browser


def _choose(api, buyer, ticket_id: int, **body):
    return api.post(f"/api/v1/me/openings/{ticket_id}/fulfilment", headers=buyer.headers,
                    json={"choice": "ship", **body})


def _orders(api, buyer) -> dict[int, dict]:
    return {o["id"]: o for o in api.get("/api/v1/me/orders", headers=buyer.headers).json()["items"]}


def test_the_address_is_asked_once_per_lot_and_reused(api, app_server):
    world = live_lot(api, quantity=3)
    seller, lot_id, show_id = world["seller"], world["lot"]["id"], world["show"]["id"]
    other_lot = make_lot(api, seller, show_id, title="Freshwater mussel")
    wang = buyer_with(api, app_server.database_url, name="Wang")
    tickets = [buy_ticket(api, wang, lot_id).json() for _ in range(3)]
    elsewhere = buy_ticket(api, wang, other_lot["id"]).json()
    for ticket in tickets:
        assert open_ticket(api, seller, lot_id, ticket["id"], pearl_count=4).status_code == 200
    assert open_ticket(api, seller, other_lot["id"], elsewhere["id"], pearl_count=1).status_code == 200

    viewer = Browser(app_server.url)
    viewer.log_in(wang.email)
    page = viewer.get("/account/openings").text
    # Three opened tickets of the lot, one address form for them (and one for the other lot).
    assert page.count("data-address-for=") == 2 and page.count("data-address-elsewhere") == 2
    assert page.count('name="line1" autocomplete="address-line1" required') == 2

    # No address on record for the lot yet: named, and nothing is written.
    refused = _choose(api, wang, tickets[0]["id"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "shipping"
    assert refused.json()["errors"][0]["rule"] == "required"
    assert api.get("/api/v1/me/openings", headers=wang.headers).json()["items"][-1]["order"] is None

    first = _choose(api, wang, tickets[0]["id"], shipping=ADDRESS)
    assert first.status_code == 200, first.text
    again = [_choose(api, wang, t["id"]) for t in tickets[1:]]  # no address: the lot's is reused
    assert [r.status_code for r in again] == [200, 200], again[0].text
    orders = _orders(api, wang)
    shipped = [orders[r.json()["order"]["id"]]["shipping"] for r in (first, *again)]
    assert all(s["line1"] == ADDRESS["line1"] and s["city"] == ADDRESS["city"] for s in shipped)

    # Another lot is another parcel: its address is asked for there.
    assert _choose(api, wang, elsewhere["id"]).status_code == 422
    page = viewer.get("/account/openings").text
    assert page.count("data-address-for=") == 1 and f"Ships to: {ADDRESS['name']}" not in page  # all three chosen
    moved = {**ADDRESS, "line1": "8 Harbour Road", "city": "Beihai"}
    assert _choose(api, wang, elsewhere["id"], shipping=moved).status_code == 200
    viewer.close()


def test_a_new_address_for_the_lot_is_used_from_then_on(api, app_server):
    world = live_lot(api, quantity=2)
    seller, lot_id = world["seller"], world["lot"]["id"]
    wang = buyer_with(api, app_server.database_url, name="Wang")
    tickets = [buy_ticket(api, wang, lot_id).json() for _ in range(2)]
    open_ticket(api, seller, lot_id, tickets[0]["id"], pearl_count=2)
    assert _choose(api, wang, tickets[0]["id"], shipping=ADDRESS).status_code == 200
    open_ticket(api, seller, lot_id, tickets[1]["id"], pearl_count=3)

    viewer = Browser(app_server.url)
    viewer.log_in(wang.email)
    page = viewer.get("/account/openings").text
    assert f"Ships to: {ADDRESS['name']}, {ADDRESS['line1']}" in page and "Use another address for this lot" in page
    assert "data-address-for=" not in page  # nothing to type again
    viewer.close()
    moved = {**ADDRESS, "line1": "8 Harbour Road"}
    chosen = _choose(api, wang, tickets[1]["id"], shipping=moved)
    assert chosen.status_code == 200
    assert _orders(api, wang)[chosen.json()["order"]["id"]]["shipping"]["line1"] == "8 Harbour Road"
