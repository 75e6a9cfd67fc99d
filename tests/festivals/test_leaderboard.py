"""The festival's figures: the GMV leaderboard by shop, the operator's totals, and the countdown page."""

from __future__ import annotations

import time

import pytest

from tests.festivals.support import fund, make_festival
from tests.helpers import register
from tests.helpers_db import make_operator
from tests.orders.support import buy, live_shop


@pytest.fixture(scope="module")
def festival_world(app_server):
    """Two participating shops and one outside, with paid orders in each and one order left unpaid."""
    import httpx

    db = app_server.database_url
    with httpx.Client(base_url=app_server.url, timeout=30) as api:
        operator = make_operator(api, db)
        big, small, outside = (live_shop(api, price_minor=price, stock=50) for price in (30000, 5000, 90000))
        festival = make_festival(api, operator, [small["shop"]["id"], big["shop"]["id"]], name="618")
        buyer = register(api)
        fund(api, operator, buyer, 1_000_000)
        for world, quantity in ((big, 2), (small, 1), (small, 3), (outside, 1)):
            made = buy(api, buyer, world["show"]["id"], world["product"]["id"], quantity=quantity, pay_with="wallet")
            assert made.status_code == 201 and made.json()["status"] == "paid", made.text
        unpaid = buy(api, buyer, big["show"]["id"], big["product"]["id"], quantity=5)
        assert unpaid.json()["status"] == "reserved"
        return {"operator": operator, "festival": festival, "big": big, "small": small, "outside": outside}


def board(api, festival_id: int, expected_orders: int) -> dict:
    """The leaderboard once it shows `expected_orders` (it may be a couple of seconds old)."""
    deadline = time.monotonic() + 10
    while True:
        data = api.get(f"/api/v1/festivals/{festival_id}/leaderboard").json()
        if data["orders"] == expected_orders or time.monotonic() > deadline:
            return data
        time.sleep(0.5)


def test_the_leaderboard_ranks_participating_shops_by_paid_gmv(api, app_server, festival_world):
    w = festival_world
    data = board(api, w["festival"]["id"], 3)
    assert [(row["rank"], row["shop_id"], row["gmv"]["amount_minor"], row["orders"], row["units"])
            for row in data["leaderboard"]] == [(1, w["big"]["shop"]["id"], 60000, 1, 2),
                                                (2, w["small"]["shop"]["id"], 20000, 2, 4)]
    assert data["leaderboard"][0]["name"] == w["big"]["shop"]["name"]
    assert (data["gmv"]["amount_minor"], data["orders"], data["units"], data["shops"]) == (80000, 3, 6, 2)
    assert data["festival"]["status"] == "running" and data["seconds_left"] > 3000
    # a new sale of the smaller shop moves it to the top within seconds
    buyer = register(api)
    fund(api, w["operator"], buyer, 500_000)
    small = w["small"]
    made = buy(api, buyer, small["show"]["id"], small["product"]["id"], quantity=9, pay_with="wallet")
    assert made.json()["status"] == "paid", made.text
    data = board(api, w["festival"]["id"], 4)
    assert [(row["shop_id"], row["gmv"]["amount_minor"]) for row in data["leaderboard"]] == [
        (small["shop"]["id"], 65000), (w["big"]["shop"]["id"], 60000)]


def test_the_operator_reads_the_festival_totals(api, festival_world):
    w = festival_world
    url = f"/api/v1/festivals/{w['festival']['id']}/totals"
    assert api.get(url).status_code == 401
    assert api.get(url, headers=w["big"]["seller"].headers).status_code == 403
    totals = api.get(url, headers=w["operator"].headers).json()
    assert totals["orders"] >= 3 and totals["gmv_by_currency"][0]["currency"] == "CNY"
    assert w["outside"]["shop"]["id"] not in {row["shop_id"] for row in totals["leaderboard"]}


def test_the_operator_dashboard_carries_the_festival_totals(api, festival_world):
    w = festival_world
    page = api.get("/insights", headers=w["operator"].headers)
    assert page.status_code == 200, page.text
    festivals = page.text.split("data-festival-totals", 1)[1].split("</section>", 1)[0]
    row = festivals.split(f'data-festival-id="{w["festival"]["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert w["festival"]["name"] in row and w["big"]["shop"]["name"] in row and "CN¥" in row
    assert w["outside"]["shop"]["name"] not in row


def test_an_ended_or_upcoming_festival_counts_nothing_outside_its_window(api, festival_world):
    w = festival_world
    later = make_festival(api, w["operator"], [w["big"]["shop"]["id"]], starts_in=3600, name="Double 12")
    data = api.get(f"/api/v1/festivals/{later['id']}/leaderboard").json()
    assert (data["orders"], data["leaderboard"], data["festival"]["status"]) == (0, [], "upcoming")
    assert 3500 < data["seconds_to_start"] <= 3600


@pytest.mark.parametrize("lang, heading", [("en", "Leaderboard"), ("zh", "排行榜"), ("ar", "لوحة الصدارة")])
def test_the_countdown_page_shows_the_leaderboard_in_the_viewers_language(api, festival_world, lang, heading):
    w = festival_world
    page = api.get(f"/festivals/{w['festival']['id']}", headers={"Accept-Language": lang})
    assert page.status_code == 200
    html = page.text
    assert heading in html and w["big"]["shop"]["name"] in html and "data-festival-clock" in html
    assert ('dir="rtl"' in html) == (lang == "ar")
    listing = api.get("/festivals", headers={"Accept-Language": lang})
    assert listing.status_code == 200 and f"/festivals/{w['festival']['id']}" in listing.text
