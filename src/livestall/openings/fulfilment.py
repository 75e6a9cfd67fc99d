"""Fulfilment: what was inside becomes an order owned by the buyer, shipped as is or set into jewellery."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product, ProductVariant
from livestall.db import utcnow
from livestall.errors import Conflict, Invalid, NotFound
from livestall.ledger.flows import wallet_account
from livestall.money import Money
from livestall.openings.models import OpeningLot, OpeningTicket
from livestall.openings.schemas import FulfilmentIn
from livestall.openings.service import audit, lock_lot
from livestall.orders.combined import do_ride_in_parcel
from livestall.orders.models import Order
from livestall.orders.service import do_mark_paid
from livestall.orders.settle import new_ref
from livestall.orders.stock import take_units

TICKETS = OpeningTicket.__table__
# A fulfilment order whose order was cancelled or expired may be chosen again.
REOPENS = ("cancelled", "expired")


async def contents_product(session: AsyncSession, lot: OpeningLot) -> Product:
    """The archived product that ships a lot's contents (never for sale), made on first use."""
    if lot.contents_product_id is not None:
        return await session.get(Product, lot.contents_product_id)
    # The lot's row lock: two buyers choosing at once make one product, not two.
    await lock_lot(session, lot)
    if lot.contents_product_id is not None:
        return await session.get(Product, lot.contents_product_id)
    product = Product(shop_id=lot.shop_id, title=f"{lot.title}: opened on camera"[:200],
                      description=lot.description, category="openings", sku=f"OPENING-LOT-{lot.id}",
                      price_minor=lot.price_minor, currency=lot.currency, stock=0, status="archived", options=[])
    session.add(product)
    await session.flush()
    lot.contents_product_id = product.id
    return product


def addon_variant(addon: Product, variant_id: int | None) -> ProductVariant | None:
    """The add-on's variant the buyer chose: required when the add-on has variants, refused when it has none."""
    if not addon.variants:
        if variant_id is not None:
            raise Invalid.field("addon_variant_id", "no_variants", "the jewellery setting comes in one kind only")
        return None
    if variant_id is None:
        raise Invalid.field("addon_variant_id", "variant_required", "choose the setting's variant (e.g. its size)")
    variant = next((v for v in addon.variants if v.id == variant_id), None)
    if variant is None:
        raise Invalid.field("addon_variant_id", "variant_of_product",
                            f"{variant_id} is not a variant of the jewellery setting")
    return variant


def _new_order(ticket: OpeningTicket, lot: OpeningLot, buyer: User, product: Product, unit_minor: int,
               shipping: dict, status: str) -> Order:
    now = utcnow()
    key = f"opening:{ticket.id}:{uuid.uuid4().hex[:12]}"
    return Order(ref=new_ref(), buyer_id=buyer.id, shop_id=lot.shop_id, show_id=ticket.show_id,
                 product_id=product.id, quantity=1, unit_price_minor=unit_minor, total_minor=unit_minor,
                 currency=product.currency, status=status, shipping=shipping, idempotency_key=key,
                 request_hash=hashlib.sha256(key.encode()).hexdigest(), reserved_until=now + timedelta(minutes=15),
                 payment_provider="opening" if status == "paid" else None, paid_at=now if status == "paid" else None)


async def do_choose_fulfilment(*, session: AsyncSession, ticket: OpeningTicket, buyer: User, choice: FulfilmentIn,
                               commission_bps: int) -> tuple[OpeningTicket, Order]:
    """Ship what was inside (an order already paid by the ticket), or buy the lot's jewellery setting on top."""
    if ticket.buyer_id != buyer.id:
        raise NotFound(f"no ticket {ticket.id}")
    lot = await session.get(OpeningLot, ticket.lot_id)
    addon = await session.get(Product, lot.addon_product_id) if lot.addon_product_id else None
    if choice.choice == "jewellery":
        if addon is None:
            raise Invalid.field("choice", "addon_offered", "this lot offers no jewellery setting")
        if choice.currency is not None and choice.currency != addon.currency:
            raise Invalid.field("currency", "matches_price_currency", f"the setting is priced in {addon.currency}")
    if choice.choice == "ship" and choice.addon_variant_id is not None:
        raise Invalid.field("addon_variant_id", "jewellery_only", "a variant is chosen only with the jewellery setting")
    variant = addon_variant(addon, choice.addon_variant_id) if choice.choice == "jewellery" else None
    # The ticket's row lock: a double click waits here and then finds the first choice made.
    await session.execute(update(TICKETS).where(TICKETS.c.id == ticket.id).values(status=TICKETS.c.status))
    await session.refresh(ticket)
    if ticket.status != "opened":
        raise Conflict.field("ticket_id", "opened", "choose once your opening has been opened")
    if ticket.order_id is not None:
        previous = await session.get(Order, ticket.order_id)
        if previous.status not in REOPENS:
            raise Conflict.field("choice", "not_chosen", f"already chosen: {ticket.fulfilment} (order {previous.ref})")
    shipping = choice.shipping.model_dump() if choice.shipping else await lot_address(session, lot.id, buyer.id)
    if shipping is None:
        raise Invalid.field("shipping", "required", "give a shipping address: none is on record for this lot yet")
    if choice.choice == "ship":
        # Nothing more to pay: the ticket paid for the opening, and what was inside is the buyer's.
        order = _new_order(ticket, lot, buyer, await contents_product(session, lot), 0, shipping, "paid")
        session.add(order)
        await session.flush()
    else:
        # A variant's unit leaves the variant and the product's total together (compare-and-set, stock >= 1).
        taken, _left = await take_units(session, addon.id, None, 1, utcnow(),
                                        variant_id=variant.id if variant is not None else None)
        if not taken:
            if variant is not None:
                raise Conflict.field("addon_variant_id", "in_stock", f"the setting in {variant.label} is sold out")
            raise Conflict.field("choice", "in_stock", "the jewellery setting is sold out")
        price_minor = variant.price_minor if variant is not None and variant.price_minor is not None \
            else addon.price_minor
        order = _new_order(ticket, lot, buyer, addon, price_minor, shipping, "reserved")
        if variant is not None:
            order.variant_id, order.option = variant.id, variant.label[:40]
        session.add(order)
        await session.flush()
        wallet = await wallet_account(session, buyer.id, addon.currency)
        await do_mark_paid(session=session, order=order, provider="wallet", source=wallet,
                           commission_bps=commission_bps)
    await do_ride_in_parcel(session, order)
    ticket.fulfilment = choice.choice
    ticket.shipping = shipping
    ticket.order_id = order.id
    details = {"choice": choice.choice, "order_id": order.id, "order_ref": order.ref, "total_minor": order.total_minor}
    if order.variant_id is not None:
        details["variant_id"] = order.variant_id
    audit(session, lot, "fulfilment", details, actor_id=buyer.id, ticket_id=ticket.id)
    return ticket, order


async def lot_address(session: AsyncSession, lot_id: int, buyer_id: int) -> dict | None:
    """The address the buyer gave last for a ticket of this lot: one address per buyer per lot, asked once."""
    return await session.scalar(select(OpeningTicket.shipping).where(
        # A ticket gets its order and its address together, so a ticket with an order has one.
        OpeningTicket.lot_id == lot_id, OpeningTicket.buyer_id == buyer_id, OpeningTicket.order_id.is_not(None))
        .order_by(OpeningTicket.order_id.desc()).limit(1))


async def orders_of(session: AsyncSession, tickets: list[OpeningTicket]) -> dict[int, dict]:
    """The fulfilment orders of these tickets, by order id, as the buyer sees them."""
    ids = [t.order_id for t in tickets if t.order_id is not None]
    if not ids:
        return {}
    rows = await session.execute(select(Order, Product.title).join(Product, Product.id == Order.product_id)
                                 .where(Order.id.in_(ids)))
    return {o.id: {"id": o.id, "ref": o.ref, "status": o.status, "product_id": o.product_id, "product_title": title,
                   "variant_id": o.variant_id, "option": o.option,
                   "total": Money(o.total_minor, o.currency).as_dict(),
                   "tracking_number": o.tracking_number} for o, title in rows.all()}
