"""Who may top up wallets and start provider checkouts; the Stripe webhook is signed, not logged in."""

from __future__ import annotations

from tests.access import LOGGED_IN, ROLES, AreaRules, Rule

AREA = AreaRules(
    rules={
        ("POST", "/api/v1/users/{user_id}/wallet/topups"): Rule(("operator",), body=lambda w: {
            "amount_minor": 100, "currency": "CNY"}),
        # The test server runs without Stripe keys: 422 names the provider it does not offer.
        ("POST", "/api/v1/me/wallet/checkout"): Rule(LOGGED_IN, body=lambda w: {
            "amount_minor": 100, "currency": "CNY", "provider": "stripe"}, passed=(422,)),
        # Anyone may deliver a webhook; without a configured secret there is nothing to deliver to (404).
        ("POST", "/api/v1/payments/stripe/webhook"): Rule(ROLES, body=lambda w: {}, passed=(404,)),
    },
)
