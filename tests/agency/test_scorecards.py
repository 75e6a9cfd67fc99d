"""Scorecards per host and per agency, by market, and their CSV export."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, update

from livestall.db import make_engine
from livestall.insights.models import ViewerSession
from livestall.shows.models import Show

from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin
from tests.helpers import make_product, register
from tests.helpers_db import make_operator, run_sql
from tests.orders.support import buy, top_up


def _audience(url: str, show_id: int, *, peak: int, unique: int, late: int) -> None:
    """A 20-minute show's room as the recorder leaves it: `peak - 1` viewers stay throughout while the others
    drop in one at a time, `late` of them after the first 10 minutes."""
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    stays = [(start, start + timedelta(minutes=20))] * (peak - 1)
    visits = unique - len(stays)
    for i in range(visits):
        came = start + timedelta(seconds=2 * i) if i < visits - late else \
            start + timedelta(minutes=11, seconds=2 * (i - visits + late))
        stays.append((came, came + timedelta(seconds=1)))
    rows = [{"id": f"s{show_id}v{i}", "show_id": show_id, "viewer_key": f"viewer-{i}", "user_id": None,
             "joined_at": joined, "left_at": left} for i, (joined, left) in enumerate(stays)]

    async def write() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(update(Show).where(Show.id == show_id).values(
                started_at=start, ended_at=start + timedelta(minutes=20)))
            await conn.execute(insert(ViewerSession), rows)
        await engine.dispose()

    asyncio.run(write())


def _held_show(api, url, admin, user, host, market: str, *, at_minutes: int = 30, sales: int, peak: int, unique: int,
               late: int = 0, answered: int):
    brand = brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=at_minutes), market=market)
    show_id, owner = brand["show"]["id"], brand["owner"]
    booking = api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
                       json={"host_id": host["id"], "show_id": show_id}).json()
    api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=user.headers)
    product = make_product(api, owner, brand["shop"]["id"], price_minor=10000)
    api.post(f"/api/v1/shows/{show_id}/start", headers=user.headers)
    api.put(f"/api/v1/shows/{show_id}/pins", headers=owner.headers, json={"product_ids": [product["id"]]})
    for _ in range(sales):
        buyer = register(api)
        top_up(api, url, buyer, 10000)
        order = buy(api, buyer, show_id, product["id"]).json()
        assert api.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers,
                        json={"provider": "wallet"}).status_code == 200
    api.post(f"/api/v1/shows/{show_id}/end", headers=user.headers)
    _audience(url, show_id, peak=peak, unique=unique, late=late)  # and the Q&A, as the live room leaves them
    for i in range(answered + 1):
        run_sql(url, "INSERT INTO questions (show_id, user_id, display_name, text, votes, status, created_at) "
                     "VALUES (:s, :u, 'v', 'size?', 0, :st, CURRENT_TIMESTAMP)",
                s=show_id, u=user.id, st="answered" if i < answered else "open")


def test_scorecards_by_host_and_market_and_csv(api, app_server):
    url = app_server.database_url
    admin = make_agency_admin(api, url)
    agency = make_agency(api, admin)
    lucia_user, lucia = make_active_host(api, admin, agency["id"], display_name="Lucía", markets=["ES", "MX"])
    james_user, james = make_active_host(api, admin, agency["id"], display_name="James", languages=["es", "en"])
    _held_show(api, url, admin, lucia_user, lucia, "ES", sales=2, peak=120, unique=400, late=100, answered=3)
    _held_show(api, url, admin, lucia_user, lucia, "MX", at_minutes=300, sales=1, peak=80, unique=100, answered=1)
    _held_show(api, url, admin, james_user, james, "ES", sales=0, peak=10, unique=50, answered=0)
    # the viewer figures are rolled up from the recorded stays (once a minute; now, on an operator's demand)
    operator = make_operator(api, url)
    assert api.post("/api/v1/insights/refresh", headers=operator.headers).status_code == 200
    cards = api.get(f"/api/v1/agencies/{agency['id']}/scorecards", headers=admin.headers)
    assert cards.status_code == 200, cards.text
    by_host = {c["host_id"]: c for c in cards.json()}
    mine = by_host[lucia["id"]]["totals"]
    assert (mine["shows"], mine["avg_peak_viewers"], mine["peak_viewers"], mine["unique_viewers"],
            mine["questions_answered"], mine["orders"], mine["buyers"]) == (2, 100, 120, 500, 4, 3, 3)
    assert mine["viewers_at_10_min"] == (300 + 100) // 2  # the ES show's 100 latecomers came after 10 minutes
    assert mine["gmv"] == [{"amount_minor": 30000, "currency": "CNY", "formatted": "CNY 300.00"}]
    assert mine["conversion"] == 0.006
    assert [(m["market"], m["shows"], m["buyers"]) for m in by_host[lucia["id"]]["by_market"]] == [
        ("ES", 1, 2), ("MX", 1, 1)]
    whole = by_host[None]["totals"]
    assert (whole["shows"], whole["unique_viewers"], whole["gmv"][0]["amount_minor"]) == (3, 550, 30000)
    own = api.get(f"/api/v1/hosts/{lucia['id']}/scorecard", headers=lucia_user.headers).json()
    assert own["totals"]["shows"] == 2
    assert api.get(f"/api/v1/hosts/{lucia['id']}/scorecard", headers=james_user.headers).status_code == 404
    exported = api.get(f"/api/v1/agencies/{agency['id']}/scorecards.csv", headers=admin.headers)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    lucia_es = next(r for r in rows if r["host"] == "Lucía" and r["market"] == "ES")
    assert (lucia_es["shows"], lucia_es["buyers"], lucia_es["viewers_at_10_min"], lucia_es["gmv"]) == (
        "1", "2", "300", "200.00 CNY")
    assert next(r for r in rows if r["host"] == "agency" and r["market"] == "all")["shows"] == "3"
    assert api.get(f"/api/v1/agencies/{agency['id']}/scorecards.csv",
                   headers=lucia_user.headers).status_code == 403
