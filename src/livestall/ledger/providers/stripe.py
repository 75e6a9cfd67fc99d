"""Stripe, through the official `stripe` library: a Checkout Session per payment, refunds back to the card,
and signed webhooks that say when the money arrived or went back.

Every call uses the library's async methods on its httpx client, so the event loop never waits on Stripe.
A paid top-up fills the wallet here; a paid order's checkout goes to the caller's `on_order_paid` (orders);
a refund's outcome is applied by ledger/providers/card_refunds.py."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable

import stripe as stripe_lib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.db import insert_ignoring_conflicts, utcnow
from livestall.errors import DomainError, Invalid
from livestall.ledger import flows
from livestall.ledger.models import PaymentCheckout, PaymentEvent
from livestall.ledger.providers.base import PaymentResult
from livestall.ledger.providers.card_models import CardPayment
from livestall.money import Money
from livestall.settings import Settings

CHECKOUTS = PaymentCheckout.__table__
EVENTS = PaymentEvent.__table__

SIGNATURE_HEADER = "Stripe-Signature"
REFUND_EVENTS = ("charge.refunded", "refund.updated", "refund.failed", "charge.refund.updated")
# Applies a paid order checkout (its completion already recorded) and says what came of it in a word.
OrderCheckoutPaid = Callable[[AsyncSession, PaymentCheckout], Awaitable[str]]
# Applies what Stripe says of a refund (its object) and says what came of it in a word.
RefundSettled = Callable[[AsyncSession, dict], Awaitable[str]]


class ProviderError(DomainError):
    """The payment provider could not be reached or refused the request (502); `retryable` when asking again
    later may succeed (unreachable, overloaded), not when the request itself was refused."""

    status, title, slug = 502, "Payment provider error", "provider-error"
    retryable = True


class WebhookRejected(DomainError):
    """A webhook whose signature is missing, forged or too old (400)."""

    status, title, slug = 400, "Webhook rejected", "webhook-rejected"


def verify_event(payload: bytes, header: str | None, secret: str, tolerance_s: int) -> dict:
    """The event Stripe signed (HMAC-SHA256 of 't.payload' under the endpoint secret, within `tolerance_s`),
    checked by the library; WebhookRejected naming the header and the rule otherwise."""
    if not header:
        raise WebhookRejected.field(SIGNATURE_HEADER, "required", "is missing")
    try:
        stripe_lib.Webhook.construct_event(payload, header, secret, tolerance=tolerance_s)
    except stripe_lib.SignatureVerificationError as exc:
        message = str(exc.user_message or exc)
        # The library checks the signature before the time, so a forger learns nothing from the answer.
        if "tolerance" in message:
            raise WebhookRejected.field(SIGNATURE_HEADER, "timestamp_tolerance",
                                        "is too old: a replayed delivery") from None
        if "extract timestamp" in message:
            raise WebhookRejected.field(SIGNATURE_HEADER, "timestamp", "has no timestamp") from None
        raise WebhookRejected.field(SIGNATURE_HEADER, "valid_signature", "does not match the payload") from None
    except ValueError:
        raise Invalid.field("body", "stripe_event", "is not a Stripe event") from None
    try:
        return json.loads(payload)
    except ValueError:
        raise Invalid.field("body", "stripe_event", "is not a Stripe event") from None


# One client per key and address, remade on another event loop: its httpx pool belongs to the loop that made it.
_clients: dict[tuple[str, str], tuple[asyncio.AbstractEventLoop, stripe_lib.StripeClient]] = {}


def stripe_client(settings: Settings) -> stripe_lib.StripeClient:
    """The library's client for this installation's key, pointed at `stripe_api_base`, on async httpx."""
    key = (settings.stripe_secret_key, settings.stripe_api_base)
    loop = asyncio.get_running_loop()
    made = _clients.get(key)
    if made is None or made[0] is not loop:
        client = stripe_lib.StripeClient(settings.stripe_secret_key,
                                         base_addresses={"api": settings.stripe_api_base.rstrip("/")},
                                         http_client=stripe_lib.HTTPXClient(timeout=20), max_network_retries=2)
        made = _clients[key] = (loop, client)
    return made[1]


def _refused(what: str, exc: stripe_lib.StripeError) -> ProviderError:
    if isinstance(exc, stripe_lib.APIConnectionError):
        return ProviderError(f"Stripe could not be reached for the {what}")
    error = ProviderError(f"Stripe refused the {what} ({exc.http_status}): {exc.user_message or ''}".strip())
    error.retryable = exc.http_status is None or exc.http_status >= 500 or exc.http_status == 429
    return error


class StripeProvider:
    """Creates Checkout Sessions and refunds with the secret key; both complete through the webhook."""

    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def _create_session(self, *, title: str, amount: Money, purpose: str, reference: str,
                              metadata: dict[str, str], return_path: str) -> dict:
        base = self.settings.public_url.rstrip("/")
        params = {
            "mode": "payment", "client_reference_id": reference,
            "line_items": [{"quantity": 1, "price_data": {
                "currency": amount.currency.lower(), "unit_amount": amount.amount_minor,
                "product_data": {"name": title[:250]}}}],
            "success_url": f"{base}{return_path}?checkout=done",
            "cancel_url": f"{base}{return_path}?checkout=cancelled",
            "metadata": {"purpose": purpose, **metadata},
        }
        try:
            created = await stripe_client(self.settings).v1.checkout.sessions.create_async(
                params, {"idempotency_key": f"livestall-{reference}"})
        except stripe_lib.StripeError as exc:
            raise _refused("checkout", exc) from None
        return {"id": created.id, "url": getattr(created, "url", None)}

    async def refund(self, *, payment_ref: str, amount: Money, reference: str, metadata: dict[str, str]) -> dict:
        """Send money back to the card behind `payment_ref`; `reference` is the idempotency key, so the same
        refund asked twice is made once. Stripe's refund id and status."""
        params = {"payment_intent": payment_ref, "amount": amount.amount_minor,
                  "metadata": {"reference": reference, **metadata}}
        try:
            created = await stripe_client(self.settings).v1.refunds.create_async(
                params, {"idempotency_key": reference})
        except stripe_lib.StripeError as exc:
            raise _refused("refund", exc) from None
        return {"id": created.id, "status": getattr(created, "status", None) or "pending"}

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
                         on_order_paid: OrderCheckoutPaid, on_refund: RefundSettled) -> str:
    """Verify and apply one Stripe event, at most once; the outcome in a word."""
    event = verify_event(payload, signature, settings.stripe_webhook_secret, settings.stripe_webhook_tolerance_s)
    try:
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
    except (KeyError, TypeError):
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
    elif event_type in REFUND_EVENTS:
        refunds = obj.get("refunds", {}).get("data", []) if obj.get("object") == "charge" else [obj]
        outcomes = [await on_refund(session, refund) for refund in refunds if isinstance(refund, dict)]
        outcome = ",".join(dict.fromkeys(outcomes)) or "ignored"
    elif event_type in ("payment_method.attached", "payment_method.detached"):
        from livestall.ledger.providers.saved_cards import apply_card_event  # it builds on this module

        outcome = await apply_card_event(session, event_type, obj)
    await session.execute(update(EVENTS).where(EVENTS.c.id == claimed_id).values(outcome=outcome[:40]))
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
    if obj.get("payment_intent"):  # what a refund of this payment is made against
        session.add(CardPayment(checkout_id=checkout.id, payment_ref=str(obj["payment_intent"])[:255]))
        await session.flush()
    if checkout.purpose == "topup":
        await flows.post_topup(session, user_id=checkout.user_id, amount_minor=checkout.amount_minor,
                               currency=checkout.currency, source="stripe", reference=f"stripe:{checkout.external_id}",
                               memo="Stripe top-up")
        return "topped_up"
    return await on_order_paid(session, checkout)
