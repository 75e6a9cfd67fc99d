"""The metrics of a scripted show, and the operator dashboard and seller figures built from them."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.helpers import make_product, make_shop, make_show, register
from tests.helpers_db import make_operator
from tests.orders.support import buy, top_up
from tests.room_client import RoomClient

MARKET = "IS"  # a market no other test uses, so that the dashboard's figures are this show's alone


def wait_for(fetch, ready, timeout: float = 15.0):
    """Poll `fetch` until `ready(result)`: the room writes its rows in batches, a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if ready(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


@pytest.fixture(scope="module")
def scripted(app_server):
    """A show in market IS: three viewers (one anonymous), chat, likes, a question, one paid and one unpaid order."""
    with httpx.Client(base_url=app_server.url, timeout=30) as api:
        yield from _script(api, app_server)


def _script(api, app_server):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], price_minor=12800, stock=10)
    show = make_show(api, seller, shop["id"], market=MARKET, language="fr", minutes_ahead=5)
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers).status_code == 200
    assert api.put(f"/api/v1/shows/{show['id']}/pins", headers=seller.headers,
                   json={"product_ids": [product["id"]]}).status_code == 200
    ann, bo = register(api), register(api)
    rooms = [RoomClient(app_server.ws_base, show["id"], ann.token), RoomClient(app_server.ws_base, show["id"], bo.token),
             RoomClient(app_server.ws_base, show["id"])]
    ann_room, bo_room, anonymous = rooms
    for room, text in ((ann_room, "Bonjour"), (ann_room, "Taille M ?"), (bo_room, "Superbe")):
        assert room.reply(room.send("chat.send", text=text))["type"] == "ack"
    assert ann_room.reply(ann_room.send("like", count=5))["type"] == "ack"
    assert bo_room.reply(bo_room.send("question.ask", text="Livrez-vous en Islande ?"))["type"] == "ack"
    top_up(api, app_server.database_url, ann, 50000)
    order = buy(api, ann, show["id"], product["id"], quantity=2).json()
    assert api.post(f"/api/v1/orders/{order['id']}/pay", headers=ann.headers,
                    json={"provider": "wallet"}).status_code == 200
    assert buy(api, bo, show["id"], product["id"]).status_code == 201  # reserved, never paid: no sale
    operator = make_operator(api, app_server.database_url)
    live = api.post("/api/v1/insights/refresh", headers=operator.headers)
    assert live.status_code == 200 and live.json()["viewers_now"] >= 3
    now = api.get("/api/v1/insights/dashboard", params={"market": MARKET}, headers=operator.headers).json()
    anonymous.ws.close()
    time.sleep(1.5)  # the likes are counted once a second
    assert api.post(f"/api/v1/shows/{show['id']}/end", headers=seller.headers).status_code == 200
    yield {"seller": seller, "shop": shop, "show": show, "operator": operator, "ann": ann, "bo": bo,
           "watching_while_live": now["concurrent_now"]}
    for room in rooms:
        room.ws.close()


def test_the_metrics_of_a_scripted_show_come_out_as_expected(api, scripted):
    show, seller = scripted["show"], scripted["seller"]
    url = f"/api/v1/insights/shows/{show['id']}"
    metrics = wait_for(lambda: api.get(url, headers=seller.headers).json(),
                       lambda m: m["unique_viewers"] == 3 and m["chat_messages"] == 3)
    assert metrics["unique_viewers"] == 3  # two logged-in viewers and one anonymous one; the host is not counted
    assert metrics["viewers_first_10_minutes"] == 3
    assert metrics["peak_viewers"] == 3
    assert (metrics["chat_messages"], metrics["likes"], metrics["questions"]) == (3, 5, 1)
    assert (metrics["orders"], metrics["buyers"], metrics["units"]) == (1, 1, 2)  # the unpaid order is no sale
    assert metrics["gmv"] == {"amount_minor": 25600, "currency": "CNY", "formatted": "CNY 256.00"}
    assert metrics["conversion"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["status"] == "ended" and max(metrics["concurrent_per_minute"]) == 3
    live_s = 3 * max(1, len(metrics["concurrent_per_minute"])) * 60
    assert 0 < metrics["watch_seconds"] <= live_s
    operator = scripted["operator"]  # the show's own counters follow the rollup
    assert api.post("/api/v1/insights/refresh", headers=operator.headers).status_code == 200
    shown = api.get(f"/api/v1/shows/{show['id']}").json()
    assert (shown["peak_viewers"], shown["unique_viewers"]) == (3, 3)


def test_only_the_shows_people_and_operators_read_its_figures(api, scripted):
    url = f"/api/v1/insights/shows/{scripted['show']['id']}"
    assert api.get(url, headers=scripted["ann"].headers).status_code == 403
    assert api.get(url).status_code == 401
    assert api.get(url, headers=scripted["operator"].headers).status_code == 200
    shop_url = f"/api/v1/insights/shops/{scripted['shop']['id']}"
    assert api.get(shop_url, headers=scripted["bo"].headers).status_code == 403
    assert api.get("/api/v1/insights/dashboard", headers=scripted["seller"].headers).status_code == 403


def test_the_dashboard_and_the_shop_roll_the_show_up(api, scripted):
    operator, show = scripted["operator"], scripted["show"]
    assert api.post("/api/v1/insights/refresh", headers=operator.headers).status_code == 200
    params = {"market": MARKET}
    board = wait_for(lambda: api.get("/api/v1/insights/dashboard", params=params, headers=operator.headers).json(),
                     lambda b: b["totals"]["unique_viewers"] == 3)
    assert board["totals"]["shows"] == 1 and board["totals"]["gmv_minor"] == 25600
    assert board["totals"]["orders"] == 1 and board["last_year"]["shows"] == 0 and board["growth_pct"]["shows"] is None
    assert [r["language"] for r in board["by_language"]] == ["fr"]
    assert board["by_market"][0]["market"] == MARKET and board["by_market"][0]["gmv_minor"] == 25600
    assert board["days"][-1]["shows"] == 1 and len(board["days"]) == 7
    assert board["top_shows"][0]["id"] == show["id"] and board["top_shops"][0]["id"] == scripted["shop"]["id"]
    assert board["top_hosts"][0]["id"] == scripted["seller"].id
    live = scripted["watching_while_live"]
    assert live["viewers"] == 3 and live["by_market_language"] == [
        {"market": MARKET, "language": "fr", "viewers": 3, "rooms": 1}]
    assert board["concurrent_now"]["viewers"] == 0  # the show has ended: nobody is watching it live
    csv = api.get("/api/v1/insights/dashboard.csv", params=params, headers=operator.headers)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("day,market,language,shows") and f",{MARKET},fr,1,3,3," in lines[1]
    top = api.get("/api/v1/insights/dashboard.csv", params={**params, "table": "shows"}, headers=operator.headers)
    head, first = top.text.splitlines()[:2]
    assert head.startswith("id,name,market,language,shows") and "gmv_minor_" in head
    assert first.startswith(f"{show['id']},") and first.endswith(",25600")
    seller_csv = api.get("/api/v1/insights/dashboard.csv", params=params, headers=scripted["seller"].headers)
    assert seller_csv.status_code == 403  # operators only
    shop = api.get(f"/api/v1/insights/shops/{scripted['shop']['id']}", headers=scripted["seller"].headers).json()
    assert shop["totals"]["shows"] == 1 and shop["shows"][0]["viewers_first_10_minutes"] == 3
    host = api.get(f"/api/v1/insights/hosts/{scripted['seller'].id}", headers=scripted["seller"].headers).json()
    assert host["totals"]["gmv_minor"] == 25600


@pytest.mark.parametrize("params, field, rule", [
    ({"start": "2026-05-02", "end": "2026-05-01"}, "end", "after_start"),
    ({"start": "2024-01-01", "end": "2026-01-01"}, "end", "max_days"),
    ({"market": "I1"}, "market", "iso_country"),
    ({"language": "de"}, "language", "one_of"),
    ({"table": "users"}, "table", "one_of"),
])
def test_bad_dashboard_requests_name_the_field(api, scripted, params, field, rule):
    response = api.get("/api/v1/insights/dashboard.csv", params=params, headers=scripted["operator"].headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field and response.json()["errors"][0]["rule"] == rule


def test_the_pages_show_the_figures_with_charts(api, scripted):
    operator, seller, show = scripted["operator"], scripted["seller"], scripted["show"]
    api.post("/api/v1/insights/refresh", headers=operator.headers)
    board = api.get("/insights", params={"market": MARKET}, headers={**operator.headers, "Accept-Language": "fr"})
    assert board.status_code == 200 and "<svg" in board.text and 'lang="fr"' in board.text
    assert 'data-figure="shows">1<' in board.text and "table=days" in board.text
    assert f'href="/insights/shows/{show["id"]}"' in board.text
    own = api.get(f"/insights/shows/{show['id']}", headers=seller.headers)
    assert own.status_code == 200 and 'data-figure="first10">3<' in own.text
    shop = api.get(f"/insights/shops/{scripted['shop']['id']}", headers=seller.headers)
    assert shop.status_code == 200 and f'data-show-id="{show["id"]}"' in shop.text
    mine = api.get("/insights/mine", headers=seller.headers)
    row = re.search(rf'<tr data-shop-id="{scripted["shop"]["id"]}">.*?</tr>', mine.text).group(0)
    assert [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>.*?</td>", row)[1:4]] == ["1", "3", "1"]
    assert "256" in row  # GMV: 25600 minor units
    assert api.get("/insights", headers=seller.headers).status_code == 403
    assert api.get(f"/insights/shows/{show['id']}", headers=scripted["bo"].headers).status_code == 403
