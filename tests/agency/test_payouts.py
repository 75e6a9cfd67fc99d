"""Payouts with safeguards: the agency's short-show rule, held payouts, and fees a brand owes beyond its revenue."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from livestall import migrate
from livestall.db import make_engine
from livestall.ledger.service import get_account, post_transfer
from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin, publish
from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import ledger_check

BALANCE = "SELECT coalesce(sum(balance_minor), 0) FROM ledger_accounts WHERE kind = :kind AND owner_key = :owner"


def held_show(api, url, admin, agency, *, streamed: timedelta | None, fee_minor=150000, commission_bp=0):
    """An accepted, booked two-hour show that went on air for `streamed` (None: never) and then ended."""
    user, host = make_active_host(api, admin, agency["id"], fee_minor=fee_minor, commission_bp=commission_bp)
    brand = brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=30))
    show_id = brand["show"]["id"]
    booking = api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
                       json={"host_id": host["id"], "show_id": show_id}).json()
    assert api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=user.headers).status_code == 200
    assert api.post(f"/api/v1/shows/{show_id}/start", headers=user.headers).status_code == 200
    if streamed is not None:
        start = datetime.fromisoformat(booking["starts_at"])
        publish(url, show_id, start, start + streamed)
    assert api.post(f"/api/v1/shows/{show_id}/end", headers=user.headers).status_code == 200
    return {**brand, "user": user, "host": host, "booking": booking}


def line_of(api, world, viewer) -> dict:
    period = world["booking"]["starts_at"][:7]
    statement = api.get(f"/api/v1/hosts/{world['host']['id']}/statements/{period}", headers=viewer.headers).json()
    [line] = [x for x in statement["lines"] if x["booking_id"] == world["booking"]["id"]]
    return line


def set_rule(api, admin, agency, rule):
    return api.put(f"/api/v1/agencies/{agency['id']}/payout-rule", headers=admin.headers,
                   json={"short_show_rule": rule})


def test_the_rule_for_short_shows_is_the_agency_s_and_checked(api, app_server):
    admin = make_agency_admin(api, app_server.database_url)
    agency = make_agency(api, admin)
    assert agency["short_show_rule"] == "hold"  # nothing short is paid without a look, until the agency says so
    bad = set_rule(api, admin, agency, "half")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "short_show_rule"
    assert api.get(f"/api/v1/agencies/{agency['id']}").json()["short_show_rule"] == "hold"
    assert set_rule(api, register(api), agency, "full").status_code == 403
    assert set_rule(api, admin, agency, "prorata").json()["short_show_rule"] == "prorata"


def test_a_20_second_show_is_paid_pro_rata_and_flagged(api, app_server):
    url = app_server.database_url
    admin = make_agency_admin(api, url)
    agency = make_agency(api, admin)
    assert set_rule(api, admin, agency, "prorata").status_code == 200
    short = held_show(api, url, admin, agency, streamed=timedelta(seconds=20))
    full = held_show(api, url, admin, agency, streamed=timedelta(minutes=118))
    forty = held_show(api, url, admin, agency, streamed=timedelta(minutes=30))

    line = line_of(api, short, admin)
    assert line["attendance"]["short"] is True and line["attendance"]["streamed_minutes"] == 0
    assert (line["booked_minutes"], line["rule"], line["fee_due"]["amount_minor"]) == (120, "prorata", 0)
    paid = api.post(f"/api/v1/bookings/{short['booking']['id']}/payout", headers=admin.headers)
    assert paid.status_code == 200 and paid.json()["paid"] is True and paid.json()["earned"] == []
    assert run_sql(url, BALANCE, kind="host_payout", owner=f"host:{short['host']['id']}") == [(0,)]

    quarter = api.post(f"/api/v1/bookings/{forty['booking']['id']}/payout", headers=admin.headers).json()
    assert quarter["fee_due"]["amount_minor"] == 150000 * 30 // 120 and quarter["rule"] == "prorata"
    assert run_sql(url, BALANCE, kind="host_payout", owner=f"host:{forty['host']['id']}") == [(37500,)]
    whole = api.post(f"/api/v1/bookings/{full['booking']['id']}/payout", headers=admin.headers).json()
    assert whole["attendance"]["short"] is False and whole["rule"] is None
    assert run_sql(url, BALANCE, kind="host_payout", owner=f"host:{full['host']['id']}") == [(150000,)]
    # what was paid stands when the rule changes later
    set_rule(api, admin, agency, "full")
    assert line_of(api, forty, forty["user"])["fee_due"]["amount_minor"] == 37500


def test_a_held_payout_waits_for_the_agency_then_is_released_or_cancelled(api, app_server):
    url = app_server.database_url
    admin = make_agency_admin(api, url)
    agency = make_agency(api, admin)
    first = held_show(api, url, admin, agency, streamed=timedelta(seconds=20))
    second = held_show(api, url, admin, agency, streamed=None)  # never went on air

    for world in (first, second):
        held = api.post(f"/api/v1/bookings/{world['booking']['id']}/payout", headers=admin.headers)
        assert held.status_code == 200 and (held.json()["payout_state"], held.json()["paid"]) == ("held", False)
        assert run_sql(url, BALANCE, kind="host_payout", owner=f"host:{world['host']['id']}") == [(0,)]
        again = api.post(f"/api/v1/bookings/{world['booking']['id']}/payout", headers=admin.headers)
        assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "held_payout"
    assert line_of(api, second, admin)["attendance"]["no_show"] is True
    host_tries = api.post(f"/api/v1/bookings/{first['booking']['id']}/payout/release", headers=first["user"].headers)
    assert host_tries.status_code == 403

    released = api.post(f"/api/v1/bookings/{first['booking']['id']}/payout/release", headers=admin.headers)
    assert released.status_code == 200 and released.json()["paid"] is True and released.json()["rule"] == "released"
    assert run_sql(url, BALANCE, kind="host_payout", owner=f"host:{first['host']['id']}") == [(150000,)]
    line = line_of(api, first, first["user"])
    assert (line["payout_state"], line["rule"], line["fee_due"]["amount_minor"]) == ("paid", "released", 150000)

    cancelled = api.post(f"/api/v1/bookings/{second['booking']['id']}/payout/cancel", headers=admin.headers)
    assert cancelled.status_code == 200 and cancelled.json()["payout_state"] == "cancelled"
    assert cancelled.json()["earned"] == []
    for action in ("payout", "payout/release", "payout/cancel"):
        after = api.post(f"/api/v1/bookings/{second['booking']['id']}/{action}", headers=admin.headers)
        assert after.status_code == 409, (action, after.text)
    assert run_sql(url, BALANCE, kind="host_payout", owner=f"host:{second['host']['id']}") == [(0,)]
    nothing_held = api.post(f"/api/v1/bookings/{first['booking']['id']}/payout/cancel", headers=admin.headers)
    assert nothing_held.status_code == 409


def test_a_fee_beyond_the_brand_s_revenue_is_owed_and_settled_later(api, app_server):
    url = app_server.database_url
    admin = make_agency_admin(api, url)
    agency = make_agency(api, admin)
    world = held_show(api, url, admin, agency, streamed=timedelta(minutes=120))
    shop, owner = world["shop"], world["owner"]
    revenue_key = f"shop:{shop['id']}"
    _credit_revenue(url, shop["id"], 11868)  # the brand has taken in 118.68 CNY: far less than the 1,500 fee
    revenue = 11868

    paid = api.post(f"/api/v1/bookings/{world['booking']['id']}/payout", headers=admin.headers)
    assert paid.status_code == 200, paid.text
    owed = 150000 - revenue
    assert run_sql(url, BALANCE, kind="shop_revenue", owner=revenue_key) == [(0,)]  # never below zero
    assert run_sql(url, BALANCE, kind="host_payout", owner=f"host:{world['host']['id']}") == [(150000,)]
    [payable] = api.get(f"/api/v1/agencies/{agency['id']}/payables", headers=admin.headers).json()
    assert (payable["shop_id"], payable["owed"]["amount_minor"], payable["owed"]["currency"]) == (shop["id"], owed,
                                                                                                   "CNY")
    assert api.get(f"/api/v1/shops/{shop['id']}/agency-payables", headers=owner.headers).json() == [payable]
    assert api.get(f"/api/v1/shops/{shop['id']}/agency-payables", headers=admin.headers).status_code == 403
    report = ledger_check(api, url)
    assert not [p for p in report["problems"] if revenue_key + " " in p], report

    settle = f"/api/v1/shops/{shop['id']}/agency-payables/{agency['id']}/settle"
    broke = api.post(settle, headers=owner.headers, json={"currency": "CNY"})
    assert broke.status_code == 409 and broke.json()["errors"][0]["rule"] == "revenue_available"
    assert api.post(settle, headers=owner.headers, json={"currency": "cny1"}).status_code == 422
    nothing = api.post(settle, headers=owner.headers, json={"currency": "EUR"})
    assert nothing.status_code == 409 and nothing.json()["errors"][0]["rule"] == "amount_owed"
    # more sales come in, from outside this show: the brand settles part, then the rest
    _credit_revenue(url, shop["id"], 100000)
    part = api.post(settle, headers=owner.headers, json={"currency": "CNY"})
    assert part.status_code == 200 and part.json()["owed"]["amount_minor"] == owed - 100000
    assert run_sql(url, BALANCE, kind="shop_revenue", owner=revenue_key) == [(0,)]
    _credit_revenue(url, shop["id"], 200000)
    rest = api.post(settle, headers=owner.headers, json={"currency": "CNY"}).json()
    assert rest["owed"]["amount_minor"] == 0 and rest["revenue"]["amount_minor"] == 200000 - (owed - 100000)
    assert api.get(f"/api/v1/agencies/{agency['id']}/payables", headers=admin.headers).json() == []
    assert not [p for p in ledger_check(api, url)["problems"] if revenue_key + " " in p]


def _credit_revenue(url: str, shop_id: int, amount: int) -> None:
    """Revenue from sales elsewhere, as a balanced transfer from the platform's clearing."""
    async def run() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                revenue = await get_account(conn, "shop_revenue", f"shop:{shop_id}", "CNY")
                clearing = await get_account(conn, "provider_clearing", "test-sales", "CNY")
                await post_transfer(conn, kind="test_sales", reference=f"test-sales:{shop_id}:{amount}",
                                    legs=[(clearing, -amount), (revenue, amount)])
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_the_ledger_check_finds_a_shop_revenue_account_below_zero(tmp_path):
    """The fault users saw: a fee taken from a shop that had no revenue left its account at -1,381.32 CNY."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'overdrawn.db'}"
    migrate.upgrade(url)

    async def overdraw() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                revenue = await get_account(conn, "shop_revenue", "shop:7", "CNY")
                agency = await get_account(conn, "agency_payout", "agency:3", "CNY")
                await post_transfer(conn, kind="agency_fee", reference="booking:1:CNY:brand",
                                    legs=[(revenue, -138132), (agency, 138132)])
        finally:
            await engine.dispose()

    asyncio.run(overdraw())
    env = {**os.environ, "LIVESTALL_DATABASE_URL": url}  # the books check, the orders' part included
    checked = subprocess.run([sys.executable, "-m", "livestall.cli", "ledger", "check", "--json"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["ok"] is False
    assert any("shop_revenue shop:7 CNY" in p and "overdrawn: -138132" in p for p in report["problems"])
