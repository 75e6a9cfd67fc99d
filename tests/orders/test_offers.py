"""The offer cache under a rush: when its entry runs out, the buyers waiting share one read."""

from __future__ import annotations

import asyncio

from sqlalchemy import event

from livestall.db import make_engine, make_sessionmaker, utcnow
from livestall.errors import Conflict
from livestall.orders.offers import OfferCache
from tests.orders.support import live_shop


def count_statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_crowd_missing_at_once_reads_the_offer_once(api, app_server):
    world = live_shop(api, stock=5, price_minor=4200)
    show_id, product_id = world["show"]["id"], world["product"]["id"]

    async def rush() -> tuple[list, int, int]:
        engine = make_engine(app_server.database_url)
        statements = count_statements(engine)
        cache, maker = OfferCache(), make_sessionmaker(engine)
        try:
            offers = await asyncio.gather(*(cache.get(sessionmaker=maker, show_id=show_id, product_id=product_id,
                                                      now=utcnow()) for _ in range(50)))
            one_read = len(statements)
            await cache.get(sessionmaker=maker, show_id=show_id, product_id=product_id, now=utcnow())
            kept = len(statements) - one_read
            cache.forget_show(show_id)  # a pin changed here: the next buyer reads again
            await cache.get(sessionmaker=maker, show_id=show_id, product_id=product_id, now=utcnow())
            return offers, one_read, len(statements) - one_read - kept
        finally:
            await engine.dispose()

    offers, one_read, after_forget = asyncio.run(rush())
    assert {(o.unit_price_minor, o.product_id) for o in offers} == {(4200, product_id)}
    assert 0 < one_read <= 6  # the show, the pin, the product, a flash sale, a festival price: once, not 50 times
    assert 0 < after_forget <= 6


def test_a_refusal_reaches_every_buyer_waiting_on_the_read(api, app_server):
    world = live_shop(api, stock=5)
    show_id, seller = world["show"]["id"], world["seller"]
    assert api.post(f"/api/v1/shows/{show_id}/end", headers=seller.headers).status_code == 200

    async def rush() -> list:
        engine = make_engine(app_server.database_url)
        cache, maker = OfferCache(), make_sessionmaker(engine)
        try:
            return await asyncio.gather(*(cache.get(sessionmaker=maker, show_id=show_id,
                                                    product_id=world["product"]["id"], now=utcnow())
                                          for _ in range(10)), return_exceptions=True)
        finally:
            await engine.dispose()

    answers = asyncio.run(rush())
    assert all(isinstance(a, Conflict) and a.problem()["errors"][0]["rule"] == "show_live" for a in answers)
