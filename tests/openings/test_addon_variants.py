"""A jewellery setting with variants: the buyer picks one, its unit leaves that variant and the product's total,
at the variant's own price, and every wrong or missing pick is refused by field and rule with nothing taken."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import make_product
from tests.openings.support import buy_ticket, buyer_with, live_lot, make_lot, open_ticket, wallet_minor
from tests.orders.support import ADDRESS, ledger_check
from tests.orders.test_variants import stock, with_variants
from tests.web.conftest import open_page, screenshot  # noqa: F401
from tests.web.support import until

RING = [({"Size": "6", "Colour": "Silver"}, 2, None), ({"Size": "7", "Colour": "Gold"}, 1, 39_000),
        ({"Size": "8", "Colour": "Silver"}, 0, None)]


def _opened_with_ring(api, app_server, buyers: int = 1) -> dict:
    """A lot offering a ring setting in three variants, and each buyer's opened ticket in it."""
    world = live_lot(api)
    seller, shop, show = world["seller"], world["shop"], world["show"]
    ring = make_product(api, seller, shop["id"], title="Ring setting", price_minor=25_000, stock=0)
    variants = with_variants(api, seller, ring["id"], RING)
    lot = make_lot(api, seller, show["id"], addon_product_id=ring["id"])
    people = []
    for n in range(buyers):
        buyer = buyer_with(api, app_server.database_url, amount_minor=100_000, name=f"Wang {n}")
        ticket = buy_ticket(api, buyer, lot["id"]).json()
        assert open_ticket(api, seller, lot["id"], ticket["id"], pearl_count=1).status_code == 200
        people.append((buyer, ticket))
    return {**world, "ring": ring, "variants": variants, "lot": lot, "people": people}


def _choose(api, buyer, ticket_id: int, choice: str = "jewellery", **extra):
    return api.post(f"/api/v1/me/openings/{ticket_id}/fulfilment", headers=buyer.headers,
                    json={"choice": choice, "shipping": ADDRESS, **extra})


def _rule(response) -> tuple[int, str, str]:
    error = response.json()["errors"][0]
    return response.status_code, error["field"], error["rule"]


def test_the_buyer_picks_the_settings_variant_and_its_units_leave_with_the_total(api, app_server):
    world = _opened_with_ring(api, app_server)
    (wang, ticket), ring = world["people"][0], world["ring"]
    gold, silver_8 = world["variants"]["7 / Gold"], world["variants"]["8 / Silver"]
    before = wallet_minor(api, wang)

    assert _rule(_choose(api, wang, ticket["id"])) == (422, "addon_variant_id", "variant_required")
    other = make_product(api, world["seller"], world["shop"]["id"], stock=3)
    other_variant = with_variants(api, world["seller"], other["id"], [({"Size": "S", "Colour": "Red"}, 3, None)])
    wrong = _choose(api, wang, ticket["id"], addon_variant_id=other_variant["S / Red"]["id"])
    assert _rule(wrong) == (422, "addon_variant_id", "variant_of_product")
    sold_out = _choose(api, wang, ticket["id"], addon_variant_id=silver_8["id"])
    assert _rule(sold_out) == (409, "addon_variant_id", "in_stock")
    shipped_with = _choose(api, wang, ticket["id"], "ship", addon_variant_id=gold["id"])
    assert _rule(shipped_with) == (422, "addon_variant_id", "jewellery_only")
    assert stock(api, ring["id"]) == (3, {"6 / Silver": 2, "7 / Gold": 1, "8 / Silver": 0})  # nothing taken
    assert wallet_minor(api, wang) == before

    mine = api.get("/api/v1/me/openings", headers=wang.headers).json()["items"][0]["addon"]
    assert [(v["label"], v["stock"], v["price"]["amount_minor"]) for v in mine["variants"]] == [
        ("6 / Silver", 2, 25_000), ("7 / Gold", 1, 39_000), ("8 / Silver", 0, 25_000)]

    chosen = _choose(api, wang, ticket["id"], addon_variant_id=gold["id"])
    assert chosen.status_code == 200, chosen.text
    order = chosen.json()["order"]
    assert (order["status"], order["product_id"], order["total"]["amount_minor"]) == ("paid", ring["id"], 39_000)
    assert (order["variant_id"], order["option"]) == (gold["id"], "7 / Gold")
    assert stock(api, ring["id"]) == (2, {"6 / Silver": 2, "7 / Gold": 0, "8 / Silver": 0})
    assert wallet_minor(api, wang) == before - 39_000
    assert ledger_check(api, app_server.database_url)["ok"]

    # Cancelled before shipping: the unit goes back to the variant and the total, the money to the wallet.
    cancelled = api.post(f"/api/v1/orders/{order['id']}/cancel", headers=wang.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert stock(api, ring["id"]) == (3, {"6 / Silver": 2, "7 / Gold": 1, "8 / Silver": 0})
    assert wallet_minor(api, wang) == before


def test_two_buyers_for_the_last_unit_of_a_variant_one_gets_it(api, app_server):
    world = _opened_with_ring(api, app_server, buyers=2)
    gold, ring = world["variants"]["7 / Gold"], world["ring"]
    with ThreadPoolExecutor(2) as pool:  # both at once: the variant's compare-and-set lets one through
        answers = list(pool.map(lambda p: _choose(api, p[0], p[1]["id"], addon_variant_id=gold["id"]),
                                world["people"]))
    assert sorted(r.status_code for r in answers) == [200, 409]
    assert _rule(next(r for r in answers if r.status_code == 409)) == (409, "addon_variant_id", "in_stock")
    assert stock(api, ring["id"]) == (2, {"6 / Silver": 2, "7 / Gold": 0, "8 / Silver": 0})
    # The other buyer still has a choice: another variant of the setting.
    loser, ticket = next(p for p, r in zip(world["people"], answers) if r.status_code == 409)
    other = _choose(api, loser, ticket["id"], addon_variant_id=world["variants"]["6 / Silver"]["id"])
    assert other.status_code == 200 and other.json()["order"]["total"]["amount_minor"] == 25_000
    assert stock(api, ring["id"]) == (1, {"6 / Silver": 1, "7 / Gold": 0, "8 / Silver": 0})


def test_a_setting_without_variants_refuses_one(api, app_server):
    world = live_lot(api)
    pendant = make_product(api, world["seller"], world["shop"]["id"], price_minor=20_000, stock=2)
    lot = make_lot(api, world["seller"], world["show"]["id"], addon_product_id=pendant["id"])
    wang = buyer_with(api, app_server.database_url, amount_minor=50_000)
    ticket = buy_ticket(api, wang, lot["id"]).json()
    assert open_ticket(api, world["seller"], lot["id"], ticket["id"], pearl_count=1).status_code == 200
    assert _rule(_choose(api, wang, ticket["id"], addon_variant_id=1)) == (422, "addon_variant_id", "no_variants")
    plain = _choose(api, wang, ticket["id"])
    assert plain.status_code == 200 and plain.json()["order"]["variant_id"] is None
    assert api.get(f"/api/v1/products/{pendant['id']}").json()["stock"] == 1


@pytest.mark.slow
def test_my_openings_on_a_phone_picks_the_settings_variant(api, app_server, open_page, screenshot):
    world = _opened_with_ring(api, app_server)
    (wang, ticket), gold = world["people"][0], world["variants"]["7 / Gold"]
    page = open_page("/account/openings", wang)
    form = page.locator(f"[data-fulfilment='{ticket['id']}']")
    select = form.locator("[data-addon-variant]")
    assert select.is_visible()
    options = page.evaluate("[...document.querySelectorAll('[data-addon-variant] option')]"
                            ".map(o => [o.textContent.trim(), o.disabled])")
    assert [(text.split(" · ")[0], disabled) for text, disabled in options] == [
        ("6 / Silver", False), ("7 / Gold", False), ("8 / Silver", True)]
    assert page.evaluate("document.querySelector('[data-addon-variant]').getBoundingClientRect().right <= 390")
    for name, value in {"name": "Wang Li", "line1": "1 Pearl Road", "city": "Zhuji", "postal_code": "311800",
                        "country": "CN"}.items():
        form.locator(f"input[name={name}]").fill(value)
    select.select_option(str(gold["id"]))
    page.evaluate("document.querySelector('[data-addon-variant]').scrollIntoView({block: 'center'})")
    screenshot(page, "openings-phone-addon-variant")
    form.locator("button[value=jewellery]").tap()
    until(page, "document.querySelector('[data-fulfilment-order]') !== null")
    assert "Ring setting · 7 / Gold" in page.locator("[data-fulfilment-order]").inner_text()
    assert stock(api, world["ring"]["id"]) == (2, {"6 / Silver": 2, "7 / Gold": 0, "8 / Silver": 0})
    assert not page.errors
