"""Cards saved with Stripe for later payments: Checkout in setup mode saves one (the app keeps the customer and
payment method ids, the brand and the last four digits, never a card number), Stripe's signed
`payment_method.attached` / `.detached` events add and drop it, and an authorization hold on it
(a PaymentIntent with capture_method=manual) is placed, captured or cancelled here.

Every Stripe call is made outside any write transaction (before the first write of the request, or by a caller
that holds none), with an idempotency key, so that a retry never makes a second one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import stripe as stripe_lib
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.db import insert_ignoring_conflicts, utcnow
from livestall.errors import Conflict, NotFound
from livestall.ledger.providers.saved_card_models import CardCustomer, SavedCard
from livestall.ledger.providers.stripe import ProviderError, _refused, stripe_client
from livestall.money import Money
from livestall.settings import Settings

CUSTOMERS = CardCustomer.__table__
CARDS = SavedCard.__table__
PROVIDER = "stripe"
CARD_EVENTS = ("payment_method.attached", "payment_method.detached")


@dataclass(frozen=True, slots=True)
class Authorization:
    """A card authorized for `amount_minor` (Stripe's PaymentIntent awaiting capture), keyed by `reference`."""

    payment_intent_id: str
    amount_minor: int
    currency: str
    reference: str
    card_label: str


def card_label(card: SavedCard) -> str:
    """How the buyer recognizes the card: "visa ending 4242"."""
    return f"{card.brand or 'card'} ending {card.last4}"


def card_view(card: SavedCard) -> dict:
    return {"id": card.id, "brand": card.brand, "last4": card.last4, "exp_month": card.exp_month,
            "exp_year": card.exp_year, "created_at": card.created_at.isoformat()}


async def list_cards(session: AsyncSession, user_id: int) -> list[SavedCard]:
    """The user's saved cards, newest first."""
    return list(await session.scalars(select(SavedCard).where(SavedCard.user_id == user_id)
                                      .order_by(SavedCard.id.desc())))


async def default_card(session: AsyncSession, user_id: int) -> SavedCard | None:
    """The card a bid falls back on when the wallet cannot cover it: the one saved last."""
    return await session.scalar(select(SavedCard).where(SavedCard.user_id == user_id)
                                .order_by(SavedCard.id.desc()).limit(1))


def _digest(text: str) -> str:
    """A short stable digest: keys stay unique to one user even across installations sharing a Stripe account."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _check_configured(settings: Settings) -> None:
    if not settings.stripe_secret_key:
        raise Conflict.field("provider", "offered_provider", "cards are not offered here: Stripe is not configured")


async def start_card_setup(session: AsyncSession, *, user: User, settings: Settings, return_path: str) -> str:
    """A Stripe Checkout Session in setup mode for the user's customer (made on first use): its address. The card
    is saved when Stripe's `payment_method.attached` event arrives."""
    _check_configured(settings)
    customer_id = await session.scalar(select(CardCustomer.customer_id).where(CardCustomer.user_id == user.id,
                                                                              CardCustomer.provider == PROVIDER))
    client = stripe_client(settings)
    try:
        if customer_id is None:  # the key makes a retry find the same customer
            made = await client.v1.customers.create_async(
                {"email": user.email, "metadata": {"user_id": str(user.id)}},
                {"idempotency_key": f"livestall-customer-{user.id}-{_digest(user.email)}"})
            customer_id = made.id
        base = settings.public_url.rstrip("/")
        checkout = await client.v1.checkout.sessions.create_async({
            "mode": "setup", "customer": customer_id, "payment_method_types": ["card"],
            "success_url": f"{base}{return_path}?card=saved", "cancel_url": f"{base}{return_path}?card=cancelled",
            "metadata": {"purpose": "card_setup", "user_id": str(user.id)}})
    except stripe_lib.StripeError as exc:
        raise _refused("card setup", exc) from None
    # Written after the calls: no write lock is held while Stripe answers.
    await session.execute(insert_ignoring_conflicts(session, CUSTOMERS, ["user_id", "provider"]).values(
        user_id=user.id, provider=PROVIDER, customer_id=customer_id, created_at=utcnow()))
    return getattr(checkout, "url", None) or ""


async def remove_card(session: AsyncSession, *, user: User, card_id: int, settings: Settings) -> None:
    """Forget one of the user's cards, detaching it at Stripe first; NotFound for another's card."""
    card = await session.scalar(select(SavedCard).where(SavedCard.id == card_id, SavedCard.user_id == user.id))
    if card is None:
        raise NotFound.field("card_id", "your_card", f"you have no saved card {card_id}")
    if settings.stripe_secret_key:
        try:
            await stripe_client(settings).v1.payment_methods.detach_async(card.payment_method_id)
        except stripe_lib.InvalidRequestError as exc:
            if exc.http_status != 404 and "not attached" not in str(exc.user_message or ""):
                raise _refused("card removal", exc) from None
        except stripe_lib.StripeError as exc:
            raise _refused("card removal", exc) from None
    await session.execute(delete(CARDS).where(CARDS.c.id == card.id))


async def apply_card_event(session: AsyncSession, event_type: str, obj: dict) -> str:
    """Stripe's word that a payment method was attached to (saved for) or detached from a customer; in a word."""
    payment_method = str(obj.get("id") or "")
    if event_type == "payment_method.detached":
        gone = await session.execute(delete(CARDS).where(CARDS.c.provider == PROVIDER,
                                                         CARDS.c.payment_method_id == payment_method))
        return "card_removed" if gone.rowcount else "unknown_card"
    customer = await session.scalar(select(CardCustomer).where(CardCustomer.provider == PROVIDER,
                                                               CardCustomer.customer_id == str(obj.get("customer"))))
    if customer is None or not payment_method:
        return "unknown_customer"
    card = obj.get("card") or {}
    saved = await session.execute(insert_ignoring_conflicts(session, CARDS, ["provider", "payment_method_id"]).values(
        user_id=customer.user_id, provider=PROVIDER, customer_id=customer.customer_id,
        payment_method_id=payment_method[:255], brand=str(card.get("brand") or "")[:20],
        last4=str(card.get("last4") or "")[-4:], exp_month=card.get("exp_month"), exp_year=card.get("exp_year"),
        created_at=utcnow()))
    return "card_saved" if saved.rowcount else "duplicate"


async def authorize(settings: Settings, *, card: SavedCard, amount: Money, reference: str,
                    metadata: dict[str, str]) -> Authorization:
    """Hold `amount` on the card (not taken yet); Conflict `card`/`card_declined` when the card is refused."""
    params = {"amount": amount.amount_minor, "currency": amount.currency.lower(), "customer": card.customer_id,
              "payment_method": card.payment_method_id, "capture_method": "manual", "confirm": True,
              "off_session": True, "metadata": {"reference": reference, **metadata}}
    label = card_label(card)
    try:
        intent = await stripe_client(settings).v1.payment_intents.create_async(
            params, {"idempotency_key": reference})
    except stripe_lib.CardError as exc:
        reason = exc.user_message or exc.code or "declined"
        raise Conflict.field("card", "card_declined",
                             f"your {label} was declined ({reason}); bid within your wallet or use another card"
                             ) from None
    except stripe_lib.StripeError as exc:
        raise _refused("card hold", exc) from None
    if getattr(intent, "status", None) != "requires_capture":
        raise Conflict.field("card", "card_declined", f"your {label} could not be authorized for "
                                                      f"{amount.format()}; use another card")
    return Authorization(intent.id, amount.amount_minor, amount.currency, reference, label)


async def capture(settings: Settings, *, payment_intent_id: str, amount_minor: int, reference: str) -> bool:
    """Take `amount_minor` of an authorization (the rest is let go by Stripe): True when taken, False when the card
    refused it; ProviderError (retryable) when Stripe could not be asked."""
    try:
        await stripe_client(settings).v1.payment_intents.capture_async(
            payment_intent_id, {"amount_to_capture": amount_minor}, {"idempotency_key": f"{reference}:capture"})
    except stripe_lib.CardError:
        return False
    except stripe_lib.StripeError as exc:
        error = _refused("capture", exc)
        if not error.retryable:
            return False
        raise error from None
    return True


async def cancel(settings: Settings, *, payment_intent_id: str, reference: str) -> None:
    """Let an authorization go; one already cancelled (or never confirmed) counts as let go."""
    try:
        await stripe_client(settings).v1.payment_intents.cancel_async(
            payment_intent_id, {}, {"idempotency_key": f"{reference}:cancel"})
    except stripe_lib.InvalidRequestError:
        return  # canceled or captured already: nothing is held any more
    except stripe_lib.StripeError as exc:
        raise _refused("cancel", exc) from None


__all__ = ["Authorization", "ProviderError", "apply_card_event", "authorize", "cancel", "capture", "card_view",
           "default_card", "list_cards", "remove_card", "start_card_setup"]
