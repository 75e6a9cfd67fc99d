"""Stripe: a Checkout Session per payment, and a signed webhook that says when the money arrived.

A paid top-up fills the wallet here; a paid order's checkout goes to the caller's `on_order_paid` (orders).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.db import insert_ignoring_conflicts, utcnow
from livestall.errors import DomainError, Invalid
from livestall.ledger import flows
from livestall.ledger.models import PaymentCheckout, PaymentEvent
from livestall.ledger.providers.base import PaymentResult
from livestall.money import Money
from livestall.settings import Settings

CHECKOUTS = PaymentCheckout.__table__
EVENTS = PaymentEvent.__table__

SIGNATURE_HEADER = "Stripe-Signature"
# Applies a paid order checkout (its completion already recorded) and says what came of it in a word.
OrderCheckoutPaid = Callable[[AsyncSession, PaymentCheckout], Awaitable[str]]


class ProviderError(DomainError):
    """The payment provider could not be reached or refused the request (502)."""

    status, title, slug = 502, "Payment provider error", "provider-error"


class WebhookRejected(DomainError):
    """A webhook whose signature is missing, forged or too old (400)."""

    status, title, slug = 400, "Webhook rejected", "webhook-rejected"


def verify_signature(payload: bytes, header: str | None, secret: str, tolerance_s: int,
                     now: float | None = None) -> None:
    """Stripe's scheme: HMAC-SHA256 of 't.payload' under the endpoint secret, within `tolerance_s` of now."""
    if not header:
        raise WebhookRejected.field(SIGNATURE_HEADER, "required", "is missing")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        raise WebhookRejected.field(SIGNATURE_HEADER, "timestamp", "has no timestamp") from None
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise WebhookRejected.field(SIGNATURE_HEADER, "valid_signature", "does not match the payload")
    # Checked after the signature so that a forger learns nothing; an old, valid one is a replay.
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_s:
        raise WebhookRejected.field(SIGNATURE_HEADER, "timestamp_tolerance", "is too old: a replayed delivery")


class StripeProvider:
    """Creates Checkout Sessions with the secret key; payments complete through the webhook."""

    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def _create_session(self, *, title: str, amount: Money, purpose: str, reference: str,
                              metadata: dict[str, str], return_path: str) -> dict:
        base = self.settings.public_url.rstrip("/")
        form = {
            "mode": "payment", "client_reference_id": reference,
            "line_items[0][quantity]": "1",
            "line_items[0][price_data][currency]": amount.currency.lower(),
            "line_items[0][price_data][unit_amount]": str(amount.amount_minor),
            "line_items[0][price_data][product_data][name]": title[:250],
            "success_url": f"{base}{return_path}?checkout=done",
            "cancel_url": f"{base}{return_path}?checkout=cancelled",
            "metadata[purpose]": purpose, **{f"metadata[{k}]": v for k, v in metadata.items()},
        }
        try:
            async with httpx.AsyncClient(base_url=self.settings.stripe_api_base, timeout=20) as client:
                response = await client.post("/v1/checkout/sessions", data=form, headers={
                    "Authorization": f"Bearer {self.settings.stripe_secret_key}",
                    "Idempotency-Key": f"livestall-{reference}"})
        except httpx.HTTPError as exc:
            raise ProviderError(f"Stripe could not be reached: {exc.__class__.__name__}") from None
        if response.status_code >= 400:
            message = response.json().get("error", {}).get("message", "") if response.content else ""
            raise ProviderError(f"Stripe refused the checkout ({response.status_code}): {message}")
        return response.json()

    async def checkout(self, *, session: AsyncSession, purpose: str, title: str, amount: Money, reference: str,
                       metadata: dict[str, str], return_path: str, user_id: int,
                       order_id: int | None = None) -> PaymentResult:
        """A Checkout Session for `amount`, recorded as an open checkout; for an order, the one still open if any."""
        if order_id is not None:
            open_one = await session.scalar(select(PaymentCheckout).where(
                PaymentCheckout.order_id == order_id, PaymentCheckout.provider == self.name,
                PaymentCheckout.status == "open"))
            if open_one is not None:
                return PaymentResult("pending", self.name, open_one.url, open_one.external_id)
        created = await self._create_session(title=title, amount=amount, purpose=purpose, reference=reference,
                                             metadata=metadata, return_path=return_path)
        row = PaymentCheckout(provider=self.name, external_id=created["id"], purpose=purpose, order_id=order_id,
                              user_id=user_id, amount_minor=amount.amount_minor, currency=amount.currency,
                              url=created.get("url") or "")
        session.add(row)
        await session.flush()
        return PaymentResult("pending", self.name, row.url, row.external_id)

    async def top_up(self, *, session: AsyncSession, user: User, amount: Money) -> PaymentResult:
        """A Checkout Session that fills the user's wallet when paid."""
        token = hashlib.sha256(f"{user.id}:{time.time_ns()}".encode()).hexdigest()[:16]
        return await self.checkout(session=session, purpose="topup", title=f"Wallet top-up {amount.format()}",
                                   amount=amount, reference=f"topup-{token}", metadata={"user_id": str(user.id)},
                                   return_path="/wallet", user_id=user.id)


async def handle_webhook(*, session: AsyncSession, payload: bytes, signature: str | None, settings: Settings,
                         on_order_paid: OrderCheckoutPaid) -> str:
    """Verify and apply one Stripe event, at most once; the outcome in a word."""
    verify_signature(payload, signature, settings.stripe_webhook_secret, settings.stripe_webhook_tolerance_s)
    try:
        event = json.loads(payload)
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
    except (ValueError, KeyError, TypeError):
        raise Invalid.field("body", "stripe_event", "is not a Stripe event") from None
    # Claim the event first: of two deliveries racing, one applies it and the other is a duplicate.
    claimed = await session.execute(
        insert_ignoring_conflicts(session, EVENTS, ["provider", "event_id"])
        .values(provider="stripe", event_id=str(event_id)[:255], type=str(event_type)[:80], outcome="received",
                received_at=utcnow()).returning(EVENTS.c.id))
    claimed_id = claimed.scalar()
    if claimed_id is None:
        return "duplicate"
    outcome = "ignored"
    if event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded") \
            and obj.get("payment_status") == "paid":
        outcome = await _checkout_paid(session, obj, on_order_paid)
    await session.execute(update(EVENTS).where(EVENTS.c.id == claimed_id).values(outcome=outcome))
    return outcome


async def _checkout_paid(session: AsyncSession, obj: dict, on_order_paid: OrderCheckoutPaid) -> str:
    checkout = await session.scalar(select(PaymentCheckout).where(PaymentCheckout.provider == "stripe",
                                                                  PaymentCheckout.external_id == str(obj.get("id"))))
    if checkout is None:
        return "unknown_session"
    if str(obj.get("currency", "")).upper() != checkout.currency:
        raise Invalid.field("data.object.currency", "matches_checkout", f"the checkout was in {checkout.currency}")
    if obj.get("amount_total") != checkout.amount_minor:
        raise Invalid.field("data.object.amount_total", "matches_checkout", "differs from the checkout's amount")
    # One completion per checkout, whichever of Stripe's events for it (or their retries) comes first.
    completed = await session.execute(update(CHECKOUTS).where(CHECKOUTS.c.id == checkout.id,
                                                              CHECKOUTS.c.status != "completed")
                                      .values(status="completed", completed_at=utcnow()))
    if completed.rowcount != 1:
        return "duplicate"
    if checkout.purpose == "topup":
        await flows.post_topup(session, user_id=checkout.user_id, amount_minor=checkout.amount_minor,
                               currency=checkout.currency, source="stripe", reference=f"stripe:{checkout.external_id}",
                               memo="Stripe top-up")
        return "topped_up"
    return await on_order_paid(session, checkout)
