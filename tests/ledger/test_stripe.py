"""Stripe: Checkout Sessions against a local stand-in for Stripe's API, and webhooks signed here."""

from __future__ import annotations

import time

from tests.helpers import register
from tests.ledger.stripe_support import FakeStripe, completed, deliver, stripe_app  # noqa: F401 (a fixture)
from tests.orders.support import buy, ledger_check, live_shop


def test_checkout_then_webhook_pays_the_order_once(api, app_server, stripe_app):
    world = live_shop(api, price_minor=12800)
    buyer = register(api)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"], quantity=2).json()
    started = stripe_app.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "stripe"})
    assert started.status_code == 200, started.text
    payment = started.json()["payment"]
    assert payment["status"] == "pending" and payment["checkout_url"].startswith("https://checkout.stripe.com/")
    sent = FakeStripe.sessions[-1]
    assert sent["path"] == "/v1/checkout/sessions" and sent["auth"] == "Bearer sk_test_livestall"
    assert sent["form"]["line_items[0][price_data][unit_amount]"] == "25600"
    assert sent["form"]["line_items[0][price_data][currency]"] == "cny"
    assert sent["form"]["metadata[order_id]"] == str(order["id"])
    again = stripe_app.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "stripe"})
    assert again.json()["payment"]["checkout_url"] == payment["checkout_url"]  # the open session, not a new one

    event = completed(sent["id"], 25600)
    first = deliver(stripe_app, event)
    assert first.status_code == 200 and first.json()["outcome"] == "paid", first.text
    assert deliver(stripe_app, event).json()["outcome"] == "duplicate"  # Stripe retries: applied once
    paid = api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()
    assert (paid["status"], paid["payment_provider"]) == ("paid", "stripe")
    check = ledger_check(api, app_server.database_url)
    assert check["ok"], check["problems"]


def test_forged_old_and_mismatched_webhooks_change_nothing(api, stripe_app):
    world = live_shop(api, price_minor=5000)
    buyer = register(api)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"]).json()
    stripe_app.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "stripe"})
    session_id = FakeStripe.sessions[-1]["id"]
    forged = deliver(stripe_app, completed(session_id, 5000), secret="whsec_guessed")
    assert forged.status_code == 400 and forged.json()["errors"][0]["rule"] == "valid_signature"
    replayed = deliver(stripe_app, completed(session_id, 5000), at=int(time.time()) - 3600)
    assert replayed.status_code == 400 and replayed.json()["errors"][0]["rule"] == "timestamp_tolerance"
    unsigned = stripe_app.post("/api/v1/payments/stripe/webhook", content=b"{}")
    assert unsigned.status_code == 400 and unsigned.json()["errors"][0]["rule"] == "required"
    wrong_currency = deliver(stripe_app, completed(session_id, 5000, currency="usd"))
    assert wrong_currency.status_code == 422 and wrong_currency.json()["errors"][0]["rule"] == "matches_checkout"
    wrong_amount = deliver(stripe_app, completed(session_id, 4000))
    assert wrong_amount.status_code == 422
    assert api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()["status"] == "reserved"


def test_a_payment_after_the_reservation_ended_is_owed_back(api, app_server, stripe_app):
    world = live_shop(api, price_minor=3000)
    buyer = register(api)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"]).json()
    stripe_app.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "stripe"})
    session_id = FakeStripe.sessions[-1]["id"]
    api.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    late = deliver(stripe_app, completed(session_id, 3000))
    assert late.status_code == 200 and late.json()["outcome"] == "refund_owed"
    assert api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()["status"] == "cancelled"
    assert ledger_check(api, app_server.database_url)["ok"]


def test_wallet_top_up_through_stripe(api, stripe_app):
    buyer = register(api)
    started = stripe_app.post("/api/v1/me/wallet/checkout", headers=buyer.headers,
                              json={"amount_minor": 20000, "currency": "CNY"})
    assert started.status_code == 201 and started.json()["checkout_url"]
    sent = FakeStripe.sessions[-1]
    assert sent["form"]["metadata[purpose]"] == "topup"
    assert deliver(stripe_app, completed(sent["id"], 20000)).json()["outcome"] == "topped_up"
    wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()
    assert wallet["wallets"][0]["balance"]["formatted"] == "CNY 200.00"
    bad = api.post("/api/v1/me/wallet/checkout", headers=buyer.headers,
                   json={"amount_minor": 20000, "currency": "CNY"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["rule"] == "offered_provider"
