"""The host's moves on a lot, made twice at the same moment (a double tap, two devices): each happens once."""

from __future__ import annotations

from tests.openings.support import buy_ticket, buyer_with, live_lot, wallet_minor
from tests.orders.support import at_once, ledger_check


def test_opening_a_ticket_twice_at_once_records_one_outcome(api, app_server):
    world = live_lot(api, quantity=2)
    seller, lot_id = world["seller"], world["lot"]["id"]
    ticket = buy_ticket(api, buyer_with(api, app_server.database_url), lot_id).json()["id"]
    path = f"/api/v1/openings/{lot_id}/tickets/{ticket}/open"
    answers = at_once(app_server.url, *[lambda c, n=n: c.post(path, headers=seller.headers, json={"pearl_count": n})
                                       for n in (3, 4)])
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["errors"][0] == {**loser.json()["errors"][0], "field": "ticket_id", "rule": "not_opened"}
    winner = next(a for a in answers if a.status_code == 200).json()
    audit = api.get(f"/api/v1/openings/{lot_id}/audit").json()["entries"]
    assert [e["data"]["outcome"]["pearl_count"] for e in audit if e["action"] == "opened"] == \
        [winner["outcome"]["pearl_count"]]


def test_closing_a_lot_twice_at_once_refunds_once(api, app_server):
    world = live_lot(api, quantity=2)
    seller, lot_id = world["seller"], world["lot"]["id"]
    li = buyer_with(api, app_server.database_url)
    buy_ticket(api, li, lot_id)
    path = f"/api/v1/openings/{lot_id}/close"
    answers = at_once(app_server.url, *[lambda c: c.post(path, headers=seller.headers, json={"unopened": "refund"})] * 2)
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    assert wallet_minor(api, li) == 10_000
    assert ledger_check(api, app_server.database_url)["ok"]
