"""Buying from the shop, outside a live show (the shop and product pages, a replay): the product at its
normal price, from its stock, in one transaction; the same Idempotency-Key again gives the same order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product
from livestall.db import utcnow
from livestall.errors import DomainError, Invalid
from livestall.festivals.pricing import effective_unit_price
from livestall.idempotency import check_same_request, fingerprint
from livestall.orders import buy, service
from livestall.orders.buying import Bought, pay_now
from livestall.orders.offers import variant_choices
from livestall.orders.schemas import BuyIn, PaymentRead, order_read
from livestall.orders.settle import DUPLICATE, WON, Offer, settle_batch
from livestall.settings import Settings


def request_hash(buy_in: BuyIn) -> str:
    """What the key was used for (kept apart from a show's buy: no show in it)."""
    return fingerprint("shop", buy.request_body(buy_in))


async def get_shop_offer(*, session: AsyncSession, product_id: int) -> Offer:
    """The product at its normal price (a festival's price inside its window), never a show's flash price."""
    product = await session.get(Product, product_id)
    if product is None or product.status != "active":
        raise Invalid.field("product_id", "active_product", "is not on sale")
    price = await effective_unit_price(session, product, utcnow())
    return Offer(None, product.shop_id, product.id, None, price.amount_minor, product.currency, None,
                 tuple(product.options or ()), product.title, axes=tuple(product.option_axes or ()),
                 variants=tuple(variant_choices(product, price.amount_minor, price.festival_id, {})))


async def _replayed(session: AsyncSession, buyer: User, key: str, digest: str) -> Bought | None:
    order = await service.get_order_by_key(session=session, buyer_id=buyer.id, key=key)
    if order is None:
        return None
    check_same_request(order.request_hash, digest)
    return Bought(order_read(order), replayed=True)


async def do_buy_from_shop(*, session: AsyncSession, buyer: User, buy_in: BuyIn, key: str,
                           settings: Settings) -> Bought:
    """Reserve (and, with `pay_with`, pay for) a product outside a show; a payment that fails leaves it reserved."""
    digest = request_hash(buy_in)
    replayed = await _replayed(session, buyer, key, digest)
    if replayed is not None:
        return replayed
    offer = await get_shop_offer(session=session, product_id=buy_in.product_id)
    attempt = buy.make_attempt(offer, buyer.id, buy_in, key, digest)
    # The same conditional decrement as a show's rush: a unit is never sold twice, whoever buys it where.
    settled = await settle_batch(await session.connection(), [attempt], now=utcnow(),
                                 reservation=timedelta(minutes=settings.reservation_minutes))
    outcome = settled.outcomes[0]
    if outcome.result == DUPLICATE:  # the key won in a concurrent request meanwhile
        check_same_request(outcome.existing_hash, digest)
        return await _replayed(session, buyer, key, digest)
    if outcome.result != WON:
        raise buy.refusal(outcome, attempt.offer)
    order = await service.get_order(session=session, order_id=outcome.order["id"])
    if buy_in.pay_with is None:
        return Bought(order_read(order))
    try:
        async with session.begin_nested():  # the payment is undone whole if it fails; the reservation stands
            payment = await pay_now(session, order, buyer, buy_in.pay_with, settings)
    except DomainError as exc:
        await session.refresh(order)
        payment = PaymentRead(status="failed", provider=buy_in.pay_with, error=exc.problem())
    return Bought(order_read(order, payment))
