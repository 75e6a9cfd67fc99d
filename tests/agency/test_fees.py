"""Fees and commissions per held show, statements per host and month, payouts through the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal

from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin, publish
from tests.helpers import make_product, register
from tests.helpers_db import run_sql
from tests.orders.support import at_once, buy, top_up

HOST_BALANCE = ("SELECT coalesce(sum(e.amount_minor), 0) FROM ledger_entries e JOIN ledger_accounts a "
                "ON a.id = e.account_id WHERE a.kind = :kind AND a.owner_key = :owner")


def test_statement_matches_the_ledger_after_payout(api, app_server):
    url = app_server.database_url
    admin = make_agency_admin(api, url)
    agency = make_agency(api, admin)
    user, host = make_active_host(api, admin, agency["id"], currency="USD", fee_minor=150000, commission_bp=500)
    brand = brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=30))
    show_id, owner = brand["show"]["id"], brand["owner"]
    booking = api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
                       json={"host_id": host["id"], "show_id": show_id}).json()
    assert api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=user.headers).status_code == 200
    product = make_product(api, owner, brand["shop"]["id"], price_minor=12800)
    assert api.post(f"/api/v1/shows/{show_id}/start", headers=user.headers).status_code == 200
    assert api.put(f"/api/v1/shows/{show_id}/pins", headers=owner.headers,
                   json={"product_ids": [product["id"]]}).status_code == 200
    buyer = register(api)
    top_up(api, url, buyer, 100000)
    for _ in range(2):
        order = buy(api, buyer, show_id, product["id"]).json()
        paid = api.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "wallet"})
        assert paid.status_code == 200, paid.text
    assert buy(api, buyer, show_id, product["id"]).status_code == 201  # reserved, never paid: no GMV
    early = api.post(f"/api/v1/bookings/{booking['id']}/payout", headers=admin.headers)
    assert early.status_code == 409 and early.json()["errors"][0]["rule"] == "show_held"
    start = datetime.fromisoformat(booking["starts_at"])
    publish(url, show_id, start, start + timedelta(hours=2))  # the whole booked time on air: paid as booked
    assert api.post(f"/api/v1/shows/{show_id}/end", headers=user.headers).status_code == 200

    period = booking["starts_at"][:7]
    statement = api.get(f"/api/v1/hosts/{host['id']}/statements/{period}", headers=user.headers)
    assert statement.status_code == 200, statement.text
    body = statement.json()
    [line] = body["lines"]
    assert (line["fee"]["amount_minor"], line["gmv"]["amount_minor"], line["commission"]["amount_minor"]) == (
        150000, 25600, 1280)
    assert body["totals"] == [{"amount_minor": 151280, "currency": "CNY", "formatted": "CNY 1,512.80"}]
    in_usd = (Decimal(151280) / Decimal("6.64")).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    assert body["totals_in_host_currency"]["amount_minor"] == int(in_usd)  # about 228 USD
    assert body["paid"] == [] and line["paid"] is False

    assert api.post(f"/api/v1/bookings/{booking['id']}/payout", headers=user.headers).status_code == 403
    # Two payouts of the booking at the same moment (a double click, two admins): one pays, one is told.
    payouts = at_once(app_server.url, *[lambda client: client.post(f"/api/v1/bookings/{booking['id']}/payout",
                                                                   headers=admin.headers)] * 2)
    payout, again = sorted(payouts, key=lambda response: response.status_code)
    assert payout.status_code == 200 and payout.json()["paid"] is True, payout.text
    assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "not_paid", again.text

    after = api.get(f"/api/v1/hosts/{host['id']}/statements/{period}", headers=admin.headers).json()
    assert after["paid"] == after["totals"] and after["lines"][0]["paid"] is True
    assert run_sql(url, HOST_BALANCE, kind="host_payout", owner=f"host:{host['id']}") == [(151280,)]
    assert run_sql(url, HOST_BALANCE, kind="agency_payout", owner=f"agency:{agency['id']}") == [(0,)]


def test_fee_alone_in_the_host_currency_and_who_sees_statements(api, app_server):
    url = app_server.database_url
    admin = make_agency_admin(api, url)
    agency = make_agency(api, admin)
    user, host = make_active_host(api, admin, agency["id"], currency="USD", fee_minor=150000, commission_bp=0)
    brand = brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=30))
    booking = api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
                       json={"host_id": host["id"], "show_id": brand["show"]["id"]}).json()
    api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=user.headers)
    for action in ("start", "end"):
        api.post(f"/api/v1/shows/{brand['show']['id']}/{action}", headers=user.headers)
    period = booking["starts_at"][:7]
    body = api.get(f"/api/v1/hosts/{host['id']}/statements/{period}", headers=user.headers).json()
    assert body["totals_in_host_currency"] == {"amount_minor": 22590, "currency": "USD", "formatted": "USD 225.90"}
    other_host, _ = make_active_host(api, admin, agency["id"])
    rival = make_agency_admin(api, url)
    for stranger in (other_host, rival):
        assert api.get(f"/api/v1/hosts/{host['id']}/statements/{period}",
                       headers=stranger.headers).status_code == 404
    bad = api.get(f"/api/v1/hosts/{host['id']}/statements/2026-13", headers=user.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["rule"] == "year_month"
