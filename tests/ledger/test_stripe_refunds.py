"""Refunds that reach the card: a Stripe-paid order cancelled is refunded through Stripe (the local stand-in of its
API) under the order's ref as idempotency key, pending until Stripe's signed webhook says the card was credited."""

from __future__ import annotations

import asyncio
import time

from livestall.ledger.providers.stripe import StripeProvider
from livestall.money import Money
from livestall.settings import Settings
from tests.helpers import register
from tests.ledger.stripe_support import SECRET, FakeStripe, completed, deliver, stripe_app  # noqa: F401 (a fixture)
from tests.orders.support import ADDRESS, buy, ledger_check, live_shop


def refund_of(client, buyer, order_id) -> dict:
    answer = client.get(f"/api/v1/orders/{order_id}/card-refund", headers=buyer.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for_refunds(reference_prefix: str, count: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in FakeStripe.refunds if r["idempotency_key"].startswith(reference_prefix)]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"Stripe got {FakeStripe.refunds!r}")


def paid_by_card(api, stripe_app, *, price_minor=5000, fee_minor=1200):
    world = live_shop(api, price_minor=price_minor)
    saved = api.put(f"/api/v1/shops/{world['shop']['id']}/shipping", headers=world["seller"].headers,
                    json={"zones": [{"name": "China", "countries": ["CN"], "fee_minor": fee_minor}]})
    assert saved.status_code == 200, saved.text
    buyer = register(api)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"], shipping=ADDRESS).json()
    started = stripe_app.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers, json={"provider": "stripe"})
    assert started.status_code == 200, started.text
    sent = FakeStripe.sessions[-1]
    # One checkout carries the item and the parcel's shipping.
    assert sent["form"]["line_items[0][price_data][unit_amount]"] == str(price_minor + fee_minor)
    assert sent["idempotency_key"] == f"livestall-order-{order['id']}"
    assert deliver(stripe_app, completed(sent["id"], price_minor + fee_minor)).json()["outcome"] == "paid"
    return world, buyer, order


def test_a_card_paid_order_cancelled_is_refunded_through_stripe_once_pending_then_refunded(api, app_server,
                                                                                          stripe_app):
    world, buyer, order = paid_by_card(api, stripe_app)
    assert refund_of(stripe_app, buyer, order["id"])["state"] == "none"
    cancelled = stripe_app.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    # The item under the order's ref, and (nothing left to ship) the parcel's shipping under its own key.
    sent = {r["idempotency_key"]: r for r in wait_for_refunds(order["ref"], 2)}
    assert set(sent) == {order["ref"], f"{order['ref']}-shipping"}
    assert (sent[order["ref"]]["amount"], sent[f"{order['ref']}-shipping"]["amount"]) == (5000, 1200)
    assert sent[order["ref"]]["payment_intent"] == FakeStripe.sessions[-1]["payment_intent"]
    assert sent[order["ref"]]["auth"] == "Bearer sk_test_livestall"
    deadline = time.monotonic() + 10
    while refund_of(stripe_app, buyer, order["id"])["refunds"][0]["status"] != "pending":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert refund_of(stripe_app, buyer, order["id"])["state"] == "pending"
    assert refund_of(stripe_app, world["seller"], order["id"])["state"] == "pending"

    # Asked again (a retry, a second cancel): the same key, so Stripe makes no second refund.
    assert stripe_app.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers).status_code == 409
    settings = Settings(stripe_secret_key="sk_test_livestall", stripe_api_base=FakeStripe.stand_in_base)
    again = asyncio.run(StripeProvider(settings).refund(payment_ref=sent[order["ref"]]["payment_intent"],
                                                        amount=Money(5000, "CNY"), reference=order["ref"],
                                                        metadata={}))
    assert again["id"] == sent[order["ref"]]["id"]
    assert len([r for r in FakeStripe.refunds if r["idempotency_key"] == order["ref"]]) == 1

    # Stripe credits the card and says so, signed: refunded, and the money owed leaves Stripe's clearing.
    done = FakeStripe.settle_refund(sent[order["ref"]]["id"])
    assert done.status_code == 200 and done.json()["outcome"] == "refunded", done.text
    assert refund_of(stripe_app, buyer, order["id"])["state"] == "refunded"
    shipping = FakeStripe.settle_refund(sent[f"{order['ref']}-shipping"]["id"], event_type="charge.refunded")
    assert shipping.json()["outcome"] == "refunded", shipping.text
    assert {r["status"] for r in refund_of(stripe_app, buyer, order["id"])["refunds"]} == {"succeeded"}
    replayed = FakeStripe.settle_refund(sent[order["ref"]]["id"])
    assert replayed.json()["outcome"] == "duplicate"
    check = ledger_check(api, app_server.database_url)
    assert check["ok"], check["problems"]


def test_a_refund_webhook_with_a_bad_signature_changes_nothing(api, stripe_app):
    world, buyer, order = paid_by_card(api, stripe_app, price_minor=3000, fee_minor=0)
    assert stripe_app.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers).status_code == 200
    [refund] = wait_for_refunds(order["ref"], 1)
    event = {"id": "evt_forged", "object": "event", "type": "refund.updated",
             "data": {"object": {**{k: refund[k] for k in ("id", "object", "amount", "metadata")},
                                 "status": "succeeded"}}}
    forged = deliver(stripe_app, event, secret="whsec_guessed")
    assert forged.status_code == 400 and forged.json()["errors"][0]["rule"] == "valid_signature"
    old = deliver(stripe_app, event, at=int(time.time()) - 3600)
    assert old.status_code == 400 and old.json()["errors"][0]["rule"] == "timestamp_tolerance"
    assert refund_of(stripe_app, buyer, order["id"])["state"] == "pending"
    assert deliver(stripe_app, event, secret=SECRET).json()["outcome"] == "refunded"
    assert refund_of(stripe_app, buyer, order["id"])["state"] == "refunded"


def test_a_refund_stripe_could_not_take_goes_out_once_stripe_is_back(api, app_server, stripe_app):
    world, buyer, order = paid_by_card(api, stripe_app)
    FakeStripe.refunds_down = True
    try:
        cancelled = stripe_app.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
        assert cancelled.status_code == 200, cancelled.text
        deadline = time.monotonic() + 20  # Stripe is asked (and answers 503) before the refund is left waiting
        while not any(r["path"] == "/v1/refunds" and r["idempotency_key"] == order["ref"] for r in FakeStripe.requests):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(1.5)
        assert not [r for r in FakeStripe.refunds if r["idempotency_key"].startswith(order["ref"])]
        assert refund_of(stripe_app, buyer, order["id"])["state"] == "pending"  # owed back, not lost
    finally:
        FakeStripe.refunds_down = False
    # Nobody else cancels anything: the waiting refunds go out on their own, once each.
    sent = {r["idempotency_key"]: r for r in wait_for_refunds(order["ref"], 2)}
    assert set(sent) == {order["ref"], f"{order['ref']}-shipping"}
    assert len([r for r in FakeStripe.refunds if r["idempotency_key"] == order["ref"]]) == 1
    check = ledger_check(api, app_server.database_url)
    assert check["ok"], check["problems"]
