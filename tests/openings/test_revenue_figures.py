"""Paid openings are sales in insights: the show's, the shop's and the operator's GMV, orders, units and buyers."""

from __future__ import annotations

from tests.festivals.support import make_festival
from tests.helpers import make_show
from tests.helpers_db import make_operator
from tests.openings.support import buy_ticket, buyer_with, make_lot, open_ticket
from tests.orders.support import ADDRESS, buy
from tests.web.support import live_world

MARKET = "LI"  # a market no other test uses, so that the dashboard's figures are this show's alone


def _figures(api, operator, show_id: int) -> dict:
    response = api.get(f"/api/v1/insights/shows/{show_id}", headers=operator.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_openings_revenue_counts_in_the_show_the_shop_and_the_dashboard(api, app_server):
    world = live_world(api, market=MARKET)
    host, shop, show_id = world["host"], world["shop"], world["show"]["id"]
    operator = make_operator(api, app_server.database_url)
    lot = make_lot(api, host, show_id, price_minor=990, quantity=5)
    ann = buyer_with(api, app_server.database_url, amount_minor=100_000, name="Ann")
    bo = buyer_with(api, app_server.database_url, name="Bo")
    cy = buyer_with(api, app_server.database_url, name="Cy")
    scarf = world["scarf"]  # pinned: on sale in the show
    bought = buy(api, ann, show_id, scarf["id"], option="S", pay_with="wallet")
    assert bought.status_code == 201 and bought.json()["status"] == "paid", bought.text
    before = _figures(api, operator, show_id)
    paid = before["gmv"]["amount_minor"]
    assert paid > 0 and before["orders"] == 1 and before["buyers"] == 1

    tickets = [buy_ticket(api, b, lot["id"]).json() for b in (ann, ann, bo, cy)]
    for ticket in tickets[:3]:
        assert open_ticket(api, host, lot["id"], ticket["id"], pearl_count=2).status_code == 200
    # Shipping what was inside is an order at 0 delivering the opening already sold: no second sale.
    shipped = api.post(f"/api/v1/me/openings/{tickets[0]['id']}/fulfilment", headers=ann.headers,
                       json={"choice": "ship", "shipping": ADDRESS})
    assert shipped.status_code == 200, shipped.text
    closed = api.post(f"/api/v1/openings/{lot['id']}/close", headers=host.headers, json={"unopened": "refund"})
    assert closed.status_code == 200  # Cy's unopened ticket is refunded: no sale

    now = _figures(api, operator, show_id)
    assert (now["gmv"]["amount_minor"], now["gmv"]["currency"]) == (paid + 3 * 990, before["gmv"]["currency"])
    assert (now["orders"], now["units"], now["buyers"]) == (1 + 3, 1 + 3, 2)  # Ann counts once

    assert api.post(f"/api/v1/shows/{show_id}/end", headers=host.headers).status_code == 200
    assert api.post("/api/v1/insights/refresh", headers=operator.headers).status_code == 200
    shop_figures = api.get(f"/api/v1/insights/shops/{shop['id']}", headers=host.headers).json()
    assert shop_figures["totals"]["gmv_minor"] == paid + 3 * 990 and shop_figures["totals"]["orders"] == 4
    board = api.get("/api/v1/insights/dashboard", params={"market": MARKET}, headers=operator.headers).json()
    row = next(r for r in board["top_shows"] if r["id"] == show_id)
    assert row["orders"] == 4 and row["buyers"] == 2 and row["gmv_minor"] > 0
    assert board["totals"]["gmv_minor"] == sum(r["gmv_minor"] for r in board["top_shows"])


def test_a_carried_opening_counts_once_where_it_was_bought_and_drops_out_when_refunded(api, app_server):
    world = live_world(api)
    host, shop, show_id = world["host"], world["shop"], world["show"]["id"]
    operator = make_operator(api, app_server.database_url)
    follow = make_show(api, host, shop["id"], title="Next week's oysters", minutes_ahead=600)
    lot = make_lot(api, host, show_id, price_minor=500, quantity=3)
    wang, li = buyer_with(api, app_server.database_url, name="Wang"), buyer_with(api, app_server.database_url)
    first, second = buy_ticket(api, wang, lot["id"]).json(), buy_ticket(api, li, lot["id"]).json()
    closed = api.post(f"/api/v1/openings/{lot['id']}/close", headers=host.headers,
                      json={"unopened": "follow_up", "follow_up_show_id": follow["id"]}).json()
    assert _figures(api, operator, show_id)["gmv"]["amount_minor"] == 1000  # bought here, paid once
    carried = closed["follow_up_lot"]
    moved = api.get(f"/api/v1/openings/{carried['id']}/queue", headers=host.headers).json()["items"]
    assert [t["carried_from_ticket_id"] for t in moved] == [first["id"], second["id"]]
    assert open_ticket(api, host, carried["id"], moved[0]["id"], pearl_count=3).status_code == 200
    assert api.post(f"/api/v1/openings/{carried['id']}/close", headers=host.headers,
                    json={"unopened": "refund"}).status_code == 200  # Li's ticket is refunded in the follow-up
    figures = _figures(api, operator, show_id)
    assert figures["gmv"]["amount_minor"] == 500 and figures["orders"] == 1 and figures["buyers"] == 1


def test_a_festival_counts_its_shops_openings_and_not_the_order_that_ships_one(api, app_server):
    world = live_world(api)
    host, shop, show_id = world["host"], world["shop"], world["show"]["id"]
    operator = make_operator(api, app_server.database_url)
    festival = make_festival(api, operator, [shop["id"]], name="Pearl week")
    lot = make_lot(api, host, show_id, price_minor=700, quantity=3)
    ann = buyer_with(api, app_server.database_url, name="Ann")
    bo = buyer_with(api, app_server.database_url, name="Bo")
    kept = buy_ticket(api, ann, lot["id"]).json()
    buy_ticket(api, bo, lot["id"])
    assert open_ticket(api, host, lot["id"], kept["id"], pearl_count=2).status_code == 200
    shipped = api.post(f"/api/v1/me/openings/{kept['id']}/fulfilment", headers=ann.headers,
                       json={"choice": "ship", "shipping": ADDRESS})
    assert shipped.status_code == 200, shipped.text
    assert api.post(f"/api/v1/openings/{lot['id']}/close", headers=host.headers,
                    json={"unopened": "refund"}).status_code == 200  # Bo's unopened ticket: refunded, no sale
    totals = api.get(f"/api/v1/festivals/{festival['id']}/totals", headers=operator.headers)
    assert totals.status_code == 200, totals.text
    figures = totals.json()
    assert (figures["gmv"]["amount_minor"], figures["orders"], figures["units"]) == (700, 1, 1)
    assert [(row["shop_id"], row["gmv"]["amount_minor"]) for row in figures["leaderboard"]] == [(shop["id"], 700)]
