"""Buy now, the whole flow: the offer, the merged writer's answer, the replay of a used key and paying at once.

One flow for both doors a buyer taps through: `POST /api/v1/shows/{id}/buy` and the room socket's
`buy` frame. Each step uses a short session of its own: a rush of buyers waiting on the writer must
never hold the connection pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.accounts.models import User
from livestall.db import utcnow
from livestall.errors import DomainError
from livestall.idempotency import check_same_request
from livestall.orders import buy, payments, service
from livestall.orders.batcher import PurchaseBatcher
from livestall.orders.offers import OfferCache
from livestall.orders.schemas import BuyIn, OrderRead, PaymentRead, order_read
from livestall.orders.settle import DUPLICATE, WON
from livestall.settings import Settings


async def pay_now(session: AsyncSession, order, buyer: User, provider: str, settings: Settings) -> PaymentRead:
    """Pay a reserved order in `session` (from the wallet, or a Stripe checkout link) and say how it went."""
    result = await payments.pay_order(session=session, order=order, buyer=buyer, provider=provider, settings=settings)
    return PaymentRead(status=result.status, provider=result.provider, checkout_url=result.checkout_url)


@dataclass(frozen=True)
class Bought:
    """The order a tap made, or the one its key made before (`replayed`)."""

    order: OrderRead
    replayed: bool = False


@dataclass(frozen=True)
class BuyingDesk:
    """What buying needs of the process: its sessions, the offer cache, the purchase writer, the settings."""

    sessionmaker: async_sessionmaker[AsyncSession]
    offers: OfferCache
    purchases: PurchaseBatcher
    settings: Settings

    async def buy_now(self, buyer_id: int, show_id: int, buy_in: BuyIn, key: str, *, asked: BuyIn | None = None
                      ) -> Bought:
        """Reserve (and, with `pay_with`, pay for) a product pinned in a live show; the same key again
        returns the same order, never a second one. The key is held to `asked` (the request as the buyer sent
        it, before defaults were filled in), by default `buy_in`."""
        digest = buy.request_hash(show_id, asked or buy_in)
        try:
            offer = await self.offers.get(sessionmaker=self.sessionmaker, show_id=show_id,
                                          product_id=buy_in.product_id, now=utcnow())
            attempt = buy.make_attempt(offer, buyer_id, buy_in, key, digest)
        except DomainError as exc:
            refused = exc
        else:
            refused = None
        if refused is not None:  # unless the key already made an order: then that order is the answer
            replayed = await self._replay(buyer_id, key, digest)
            if replayed is None:
                raise refused
            return replayed
        outcome = await self.purchases.submit(attempt)
        if outcome.result == DUPLICATE:
            check_same_request(outcome.existing_hash, digest)
            return await self._replay(buyer_id, key, digest)
        if outcome.result != WON:
            raise buy.refusal(outcome, attempt.offer)
        if buy_in.pay_with is None:
            return Bought(order_read(outcome.order))
        return Bought(await self._pay(buyer_id, outcome.order["id"], buy_in.pay_with))

    async def _replay(self, buyer_id: int, key: str, digest: str) -> Bought | None:
        async with self.sessionmaker() as session:
            order = await service.get_order_by_key(session=session, buyer_id=buyer_id, key=key)
            if order is None:
                return None
            check_same_request(order.request_hash, digest)
            return Bought(order_read(order), replayed=True)

    async def _pay(self, buyer_id: int, order_id: int, provider: str) -> OrderRead:
        # The payment is a transaction of its own, committed or undone whole. Not a savepoint: on SQLite that
        # takes the write lock at once, and would hold it through a provider's HTTP call.
        try:
            async with self.sessionmaker.begin() as paying:
                order = await service.get_order(session=paying, order_id=order_id)
                buyer = await paying.get(User, buyer_id)
                return order_read(order, await pay_now(paying, order, buyer, provider, self.settings))
        except DomainError as exc:  # the order stands, reserved: the buyer may pay again another way
            async with self.sessionmaker() as session:
                order = await service.get_order(session=session, order_id=order_id)
                return order_read(order, PaymentRead(status="failed", provider=provider, error=exc.problem()))
