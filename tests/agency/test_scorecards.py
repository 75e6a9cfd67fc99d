"""Scorecards per host and per agency, by market, and their CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin
from tests.helpers import make_product, register
from tests.helpers_db import run_sql
from tests.orders.support import buy, top_up


def _held_show(api, url, admin, user, host, market: str, *, at_minutes: int = 30, sales: int, peak: int, unique: int,
               answered: int):
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
    # the room's counters and the Q&A, as the live room leaves them
    run_sql(url, "UPDATE shows SET peak_viewers = :p, unique_viewers = :u WHERE id = :s", p=peak, u=unique, s=show_id)
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
    _held_show(api, url, admin, lucia_user, lucia, "ES", sales=2, peak=120, unique=400, answered=3)
    _held_show(api, url, admin, lucia_user, lucia, "MX", at_minutes=300, sales=1, peak=80, unique=100, answered=1)
    _held_show(api, url, admin, james_user, james, "ES", sales=0, peak=10, unique=50, answered=0)
    cards = api.get(f"/api/v1/agencies/{agency['id']}/scorecards", headers=admin.headers)
    assert cards.status_code == 200, cards.text
    by_host = {c["host_id"]: c for c in cards.json()}
    mine = by_host[lucia["id"]]["totals"]
    assert (mine["shows"], mine["avg_peak_viewers"], mine["peak_viewers"], mine["unique_viewers"],
            mine["questions_answered"], mine["orders"], mine["buyers"]) == (2, 100, 120, 500, 4, 3, 3)
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
    assert (lucia_es["shows"], lucia_es["buyers"], lucia_es["gmv"]) == ("1", "2", "200.00 CNY")
    assert next(r for r in rows if r["host"] == "agency" and r["market"] == "all")["shows"] == "3"
    assert api.get(f"/api/v1/agencies/{agency['id']}/scorecards.csv",
                   headers=lucia_user.headers).status_code == 403
