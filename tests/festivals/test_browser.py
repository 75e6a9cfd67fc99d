"""The festival page in Chromium: the countdown ticks and the leaderboard follows a new sale without a reload."""

from __future__ import annotations

import pytest

from tests.festivals.support import fund, make_festival
from tests.helpers import register
from tests.helpers_db import make_operator
from tests.orders.support import buy, live_shop
from tests.web.conftest import chromium, screenshot  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def operator(app_server):
    """Made before Chromium starts: the database helpers run their own event loop."""
    import httpx

    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        return make_operator(client, app_server.database_url)


def test_the_leaderboard_follows_a_sale_live(api, app_server, operator, chromium, screenshot):  # noqa: F811
    world = live_shop(api, price_minor=4200)
    festival = make_festival(api, operator, [world["shop"]["id"]], name="Double 11")
    context = chromium.new_context(locale="fr-FR", extra_http_headers={"Accept-Language": "fr"})
    page = context.new_page()
    try:
        page.goto(f"{app_server.url}/festivals/{festival['id']}")
        assert page.locator("[data-clock-label]").text_content().strip() == "Se termine dans"
        first = page.locator("[data-festival-clock]").text_content()
        page.wait_for_function("(t) => document.querySelector('[data-festival-clock]').textContent !== t", arg=first)
        assert page.locator("[data-leaderboard] tbody tr").count() == 0
        assert page.locator("[data-board-empty]").is_visible()
        buyer = register(api)
        fund(api, operator, buyer, 10000)
        paid = buy(api, buyer, world["show"]["id"], world["product"]["id"], quantity=2, pay_with="wallet")
        assert paid.json()["status"] == "paid", paid.text
        row = page.locator(f"[data-leaderboard] tbody tr[data-shop-id='{world['shop']['id']}']")
        row.wait_for(timeout=15_000)  # the page polls every 5 s; the figures may be 2 s old
        assert world["shop"]["name"] in row.text_content() and "84,00" in row.text_content()
        assert not page.locator("[data-board-empty]").is_visible()
        assert page.locator("[data-figure='orders']").text_content() == "1"
        screenshot(page, "festival", full_page=True)
    finally:
        context.close()
