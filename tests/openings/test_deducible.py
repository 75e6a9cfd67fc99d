"""A random pick never sells an opening whose outcome the openings already shown give away."""

from __future__ import annotations

from livestall.openings.fairness import draw_all, possible_outcomes
from tests.openings.support import buy_ticket, buyer_with, live_lot, open_ticket, wallet_minor

DEDUCIBLE = {"field": "lot_id", "rule": "outcome_deducible",
             "message": "what the next opening holds can be worked out from the ones already opened, "
                        "so this lot sells no more"}


def test_the_last_outcome_is_not_sold_once_the_others_are_shown(api, app_server):
    items = ["akoya white", "tahiti black", "golden south sea"]
    world = live_lot(api, quantity=3, random_pick=True, pick_items=items)
    seller, lot_id = world["seller"], world["lot"]["id"]
    shown = []
    for name in ("Li", "Zhao"):
        buyer = buyer_with(api, app_server.database_url, name=name)
        bought = buy_ticket(api, buyer, lot_id)
        assert bought.status_code == 201, bought.text  # two outcomes still open: these sell as before
        shown.append(open_ticket(api, seller, lot_id, bought.json()["id"], pearl_count=1).json()["drawn_item"])
    [left] = set(items) - set(shown)  # what anyone watching now knows the third oyster holds

    late = buyer_with(api, app_server.database_url, name="Chen")
    refused = buy_ticket(api, late, lot_id)
    assert refused.status_code == 409 and refused.json()["errors"] == [DEDUCIBLE]
    assert wallet_minor(api, late) == 10_000
    lot = api.get(f"/api/v1/openings/{lot_id}").json()
    assert (lot["sold"], lot["left"], lot["outcome_deducible"]) == (2, 1, True)
    assert [e["action"] for e in api.get(f"/api/v1/openings/{lot_id}/audit").json()["entries"]].count(
        "ticket_bought") == 2

    # The seed, once revealed, shows the refusal was right: the third draw is the one item left.
    api.post(f"/api/v1/openings/{lot_id}/close", headers=seller.headers, json={"unopened": "refund"})
    seed = api.get(f"/api/v1/openings/{lot_id}/audit").json()["seed"]
    assert items[draw_all(seed, items, 3)[2]] == left


def test_tickets_bought_before_the_openings_all_sell(api, app_server):
    items = ["A", "B", "C"]
    world = live_lot(api, quantity=3, random_pick=True, pick_items=items)
    seller, lot_id = world["seller"], world["lot"]["id"]
    buyers = [buyer_with(api, app_server.database_url) for _ in range(3)]
    tickets = [buy_ticket(api, b, lot_id) for b in buyers]
    assert [t.status_code for t in tickets] == [201, 201, 201]
    assert api.get(f"/api/v1/openings/{lot_id}").json()["outcome_deducible"] is False
    drawn = [open_ticket(api, seller, lot_id, t.json()["id"], pearl_count=1).json()["drawn_item"] for t in tickets]
    assert sorted(drawn) == items


def test_a_larger_set_keeps_selling_while_two_outcomes_remain(api, app_server):
    items = ["A", "B", "C", "D"]
    world = live_lot(api, quantity=3, random_pick=True, pick_items=items)
    seller, lot_id = world["seller"], world["lot"]["id"]
    for _ in range(3):  # after two are shown, two items are still possible for the third
        bought = buy_ticket(api, buyer_with(api, app_server.database_url), lot_id)
        assert bought.status_code == 201, bought.text
        open_ticket(api, seller, lot_id, bought.json()["id"], pearl_count=1)
    assert api.get(f"/api/v1/openings/{lot_id}").json()["left"] == 0


def test_a_random_pick_of_one_kind_of_item_is_refused(api):
    world = live_lot(api)
    made = api.post(f"/api/v1/shows/{world['show']['id']}/openings", headers=world["seller"].headers,
                    json={"kind": "oyster", "title": "x", "price_minor": 100, "quantity": 2, "random_pick": True,
                          "pick_items": ["4 pearls", "4 pearls"]})
    assert made.status_code == 422 and made.json()["errors"][0] == {
        "field": "pick_items", "rule": "distinct_items",
        "message": "a random pick draws from at least two different items"}


def test_what_stays_possible_counts_repeated_items():
    items = ["4 pearls", "4 pearls", "2 pearls"]
    assert possible_outcomes(items, []) == {"4 pearls", "2 pearls"}
    assert possible_outcomes(items, ["4 pearls"]) == {"4 pearls", "2 pearls"}
    assert possible_outcomes(items, ["2 pearls"]) == {"4 pearls"}  # both left are the same: known
    assert possible_outcomes(items, ["4 pearls", "2 pearls"]) == {"4 pearls"}
