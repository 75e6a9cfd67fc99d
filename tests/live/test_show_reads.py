"""A show's shelf over HTTP: a crowd asking at once costs one build, and what changes shows at once."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.helpers import make_product, register
from tests.orders.support import buy, live_shop
from tests.test_metrics import scrape, value


def shelf_of(api: httpx.Client, show_id: int) -> dict:
    response = api.get(f"/api/v1/shows/{show_id}/pins")
    assert response.status_code == 200, response.text
    return response.json()


def builds(api: httpx.Client) -> float:
    return value(scrape(api), "livestall_show_reads_total", what="shelf", answer="built")


def test_a_crowd_opening_the_shelf_at_once_gets_one_answer_built_once(api, app_server):
    world = live_shop(api, stock=9)
    show_id = world["show"]["id"]
    before, started = builds(api), time.monotonic()

    async def crowd() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=app_server.url, timeout=30) as client:
            return await asyncio.gather(*(client.get(f"/api/v1/shows/{show_id}/pins") for _ in range(60)))

    answers = asyncio.run(crowd())
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert [item["product_id"] for item in answers[0].json()["items"]] == [world["product"]["id"]]
    # One build for the crowd, or one per second it took a loaded machine to answer them all.
    assert 1 <= builds(api) - before <= 1 + int(time.monotonic() - started)


def test_a_sale_a_pin_and_an_unpin_show_on_the_shelf_at_once(api):
    world = live_shop(api, stock=9)
    show_id, product, seller = world["show"]["id"], world["product"], world["seller"]
    assert shelf_of(api, show_id)["items"][0]["stock"] == 9  # kept from here on

    assert buy(api, register(api), show_id, product["id"]).status_code == 201
    assert shelf_of(api, show_id)["items"][0]["stock"] == 8

    second = make_product(api, seller, world["shop"]["id"], stock=3)
    pinned = api.post(f"/api/v1/shows/{show_id}/pins", headers=seller.headers, json={"product_id": second["id"]})
    assert pinned.status_code == 200, pinned.text
    assert [i["product_id"] for i in shelf_of(api, show_id)["items"]] == [product["id"], second["id"]]

    unpinned = api.delete(f"/api/v1/shows/{show_id}/pins/{product['id']}", headers=seller.headers)
    assert unpinned.status_code == 200, unpinned.text
    assert [i["product_id"] for i in shelf_of(api, show_id)["items"]] == [second["id"]]


def test_an_unknown_show_is_a_404_every_time(api):
    for _ in range(2):
        missing = api.get("/api/v1/shows/999999/pins")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
