"""Refunds back to the card: recorded with the refund's ledger transfer, sent to the provider once that
transaction has committed (never while it holds a lock), pending until the provider's webhook says the card
was credited; then the money owed back leaves the provider's clearing account, as one balanced transfer.

The provider's idempotency key is the refund's `reference` (an order's ref): asked again, it makes no second one."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import event as sa_event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from livestall.db import insert_ignoring_conflicts, utcnow
from livestall.errors import DomainError
from livestall.ledger.flows import clearing_account
from livestall.ledger.models import PaymentCheckout
from livestall.ledger.providers.card_models import CardPayment, CardRefund
from livestall.ledger.service import get_account, post_transfer
from livestall.money import Money
from livestall.settings import Settings, get_settings

log = logging.getLogger("livestall.ledger.card_refunds")
REFUNDS = CardRefund.__table__
TO_SEND_KEY = "livestall.card_refunds.to_send"
ENGINE_KEY = "livestall.card_refunds.engine"
_sending: set[asyncio.Task] = set()  # kept until done: the loop holds tasks only weakly


async def request_card_refund(session: AsyncSession, *, order, amount_minor: int | None,
                              reference: str) -> CardRefund | None:
    """Record a refund of `amount_minor` (None: the order's total) to the card that paid the order, to be sent
    after commit; the one recorded before under the same reference if any. None if no card paid it."""
    checkout = await session.scalar(select(PaymentCheckout).where(
        PaymentCheckout.order_id == order.id, PaymentCheckout.provider == order.payment_provider,
        PaymentCheckout.status == "completed").order_by(PaymentCheckout.id.desc()).limit(1))
    if checkout is None:
        return None
    await session.execute(insert_ignoring_conflicts(session, REFUNDS, ["reference"]).values(
        provider=checkout.provider, reference=reference[:120], order_id=order.id, checkout_id=checkout.id,
        amount_minor=order.total_minor if amount_minor is None else amount_minor, currency=order.currency,
        status="sending", error="", created_at=utcnow()))
    refund = await session.scalar(select(CardRefund).where(CardRefund.reference == reference[:120]))
    if refund is not None and refund.status == "sending":
        sync = session.sync_session
        sync.info.setdefault(TO_SEND_KEY, []).append(refund.id)
        sync.info[ENGINE_KEY] = session.bind
    return refund


@sa_event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    ids = session.info.pop(TO_SEND_KEY, None)
    engine = session.info.pop(ENGINE_KEY, None)
    if not ids or not isinstance(engine, AsyncEngine):
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # committed outside a loop (a script): the next refund sent retries them
        return
    # These first, then any left waiting by an earlier failure to reach the provider.
    task = loop.create_task(_send_then_retry(async_sessionmaker(engine, expire_on_commit=False), ids, get_settings()))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_unsent(session: Session, _previous_transaction) -> None:
    session.info.pop(TO_SEND_KEY, None)


async def _send_then_retry(maker: async_sessionmaker[AsyncSession], ids: list[int], settings: Settings) -> None:
    try:
        await send_refunds(maker, ids, settings)
        await send_waiting(maker, settings)
    except Exception:  # a lost connection: the refunds stay waiting for the next try
        log.exception("sending card refunds failed")


async def send_refunds(maker: async_sessionmaker[AsyncSession], ids: list[int], settings: Settings) -> int:
    """Send these recorded refunds to their provider, each outside any transaction; how many it accepted."""
    from livestall.ledger.providers.stripe import StripeProvider  # the provider imports this module's models

    accepted = 0
    for refund_id in ids:
        async with maker() as session:
            refund = await session.get(CardRefund, refund_id)
            if refund is None or refund.status != "sending":
                continue
            payment = await session.get(CardPayment, refund.checkout_id)
        if payment is None or refund.provider != "stripe" or not settings.stripe_secret_key:
            await _mark(maker, refund_id, status="failed", error="no card payment to refund against here")
            continue
        try:
            sent = await StripeProvider(settings).refund(
                payment_ref=payment.payment_ref, amount=Money(refund.amount_minor, refund.currency),
                reference=refund.reference, metadata={"order_id": str(refund.order_id or "")})
        except DomainError as exc:  # unreachable: still "sending", the next try uses the same key
            log.warning("refund %s not sent: %s", refund.reference, exc)
            retry = getattr(exc, "retryable", False)
            await _mark(maker, refund_id, error=str(exc)[:200], **({} if retry else {"status": "failed"}))
            continue
        await _mark(maker, refund_id, status="pending", external_id=sent["id"])
        accepted += 1
    return accepted


async def _mark(maker: async_sessionmaker[AsyncSession], refund_id: int, **values) -> None:
    async with maker.begin() as session:
        stmt = update(REFUNDS).where(REFUNDS.c.id == refund_id)
        if values.get("status") == "pending":  # the webhook may have told us it succeeded already
            stmt = stmt.where(REFUNDS.c.status == "sending")
            await session.execute(update(REFUNDS).where(REFUNDS.c.id == refund_id)
                                  .values(external_id=values["external_id"]))
        await session.execute(stmt.values(**values))


async def send_waiting(maker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Send every refund still waiting to go (the provider was down, the process stopped): how many went."""
    async with maker() as session:
        ids = list(await session.scalars(select(CardRefund.id).where(CardRefund.status == "sending")
                                         .order_by(CardRefund.id).limit(500)))
    return await send_refunds(maker, ids, settings) if ids else 0


async def apply_refund_update(session: AsyncSession, obj: dict) -> str:
    """Stripe's word on a refund (its refund object): succeeded moves the money owed back out of the clearing
    account, once; failed leaves it owed (an operator pays it back another way). The outcome in a word."""
    refund = None
    if obj.get("id"):
        refund = await session.scalar(select(CardRefund).where(CardRefund.external_id == str(obj["id"])))
    reference = (obj.get("metadata") or {}).get("reference")
    if refund is None and reference:
        refund = await session.scalar(select(CardRefund).where(CardRefund.reference == str(reference)))
    if refund is None:
        return "unknown_refund"
    status = obj.get("status")
    if status == "succeeded":
        done = await session.execute(update(REFUNDS).where(REFUNDS.c.id == refund.id,
                                                           REFUNDS.c.status.in_(("sending", "pending")))
                                     .values(status="succeeded", settled_at=utcnow(), external_id=str(obj["id"])))
        if done.rowcount != 1:
            return "duplicate"
        owed = await get_account(session, "refunds", refund.provider, refund.currency)
        clearing = await clearing_account(session, refund.provider, refund.currency)
        await post_transfer(session, kind="card_refund", reference=f"card-refund:{refund.reference}",
                            order_id=refund.order_id, legs=[(owed, -refund.amount_minor), (clearing, refund.amount_minor)],
                            memo=f"refunded to the card: {refund.reference}")
        return "refunded"
    if status in ("failed", "canceled"):
        await session.execute(update(REFUNDS).where(REFUNDS.c.id == refund.id, REFUNDS.c.status != "succeeded")
                              .values(status="failed", error=str(obj.get("failure_reason") or status)[:200]))
        return "refund_failed"
    return "refund_pending"


async def list_card_refunds(session: AsyncSession, order_id: int) -> list[CardRefund]:
    """The order's refunds to the card, oldest first."""
    return list(await session.scalars(select(CardRefund).where(CardRefund.order_id == order_id).order_by(CardRefund.id)))


async def refund_states(session: AsyncSession, order_ids: list[int]) -> dict[int, str]:
    """The card refund state of each order that has one: pending (until the card is credited), refunded, failed."""
    if not order_ids:
        return {}
    rows = await session.execute(select(CardRefund.order_id, CardRefund.status, CardRefund.reference)
                                 .where(CardRefund.order_id.in_(order_ids)).order_by(CardRefund.id))
    states: dict[int, str] = {}
    for order_id, status, reference in rows:
        state = {"sending": "pending", "pending": "pending", "succeeded": "refunded"}.get(status, "failed")
        # The order's own refund decides; a shipping-fee refund only when the order has no other.
        if order_id not in states or not reference.endswith("-shipping"):
            states[order_id] = state
    return states
