"""The order lifecycle: reserved → paid → shipped → delivered; cancel, expire and refund; listings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from livestall.accounts.models import User
from livestall.catalog.models import Shop
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, Forbidden, Invalid, NotFound
from livestall.events import Event, publish_on_commit
from livestall.festivals.funding import give_back_voucher
from livestall.ledger.service import Account
from livestall.notifications import hooks as notification_hooks
from livestall.orders import combined
from livestall.orders.models import Order
from livestall.orders.stock import give_back
from livestall.orders.transfers import post_order_payment, post_order_refund

ORDERS = Order.__table__


async def get_order(*, session: AsyncSession, order_id: int) -> Order:
    """The order with this id, or NotFound."""
    return await get_or_404(session, Order, order_id)


async def get_order_by_key(*, session: AsyncSession, buyer_id: int, key: str) -> Order | None:
    """The buyer's order made under this Idempotency-Key, if any."""
    return await session.scalar(select(Order).where(Order.buyer_id == buyer_id, Order.idempotency_key == key))


async def seller_role(session: AsyncSession, order: Order, user: User) -> str | None:
    shop = await session.get(Shop, order.shop_id)
    return shop.member_role(user.id) if shop else None


async def check_can_see(*, session: AsyncSession, order: Order, user: User) -> None:
    """The buyer, the shop's members and operators see an order; others are told it does not exist."""
    if order.buyer_id != user.id and not user.has_role("operator") and not await seller_role(session, order, user):
        raise NotFound(f"no order {order.id}")


async def check_seller(*, session: AsyncSession, order: Order, user: User) -> None:
    """Forbidden unless `user` runs the order's shop."""
    if not await seller_role(session, order, user):
        raise Forbidden("only the shop's owners and staff may do this")


def check_buyer(*, order: Order, user: User) -> None:
    """Forbidden unless `user` bought the order."""
    if order.buyer_id != user.id:
        raise Forbidden("only the buyer may do this")


def check_currency(*, order: Order, currency: str | None) -> None:
    """Invalid when the buyer expects another currency than the order's."""
    if currency is not None and currency != order.currency:
        raise Invalid.field("currency", "matches_order_currency", f"the order is in {order.currency}")


async def check_buyer_or_seller(*, session: AsyncSession, order: Order, user: User) -> None:
    """Forbidden unless `user` bought the order or runs its shop."""
    if order.buyer_id != user.id and not await seller_role(session, order, user):
        raise Forbidden("only the buyer and the shop may do this")


async def _move(session: AsyncSession, order: Order, allowed: tuple[str, ...], target: str, rule: str,
                extra=(), **values) -> str:
    """Compare-and-set the status from one of `allowed` to `target`; the status the update replaced.

    Each UPDATE names the one status it expects, so the caller decides what follows (a refund, a
    restock) from the row as it was changed, never from a status read earlier: a payment that commits
    between our read and our write is seen. The loser of a race gets Conflict and writes nothing."""
    values = {"status": target, **values}
    # States only move forward, so a row can slip past our UPDATEs only a few times before it settles.
    for _ in range(len(allowed) + 1):
        for expected in allowed:
            result = await session.execute(update(ORDERS).where(ORDERS.c.id == order.id, ORDERS.c.status == expected,
                                                                *extra).values(**values))
            if result.rowcount == 1:
                await session.refresh(order)  # the row as this transaction now holds it
                return expected
        current = await session.scalar(select(ORDERS.c.status).where(ORDERS.c.id == order.id))
        # Still an allowed status: another transaction moved it between two of our UPDATEs, so try
        # again on the new one; unless the extra condition (the reservation's time) is what failed.
        if current not in allowed or extra:
            break
    await session.refresh(order)
    if target == "paid" and order.status in ("reserved", "expired"):  # the expiry job may have been first
        raise Conflict.field("status", "reservation_open", "the reservation expired; buy again")
    raise Conflict.field("status", rule, f"a {order.status} order cannot be {target}")


async def do_mark_paid(*, session: AsyncSession, order: Order, provider: str, source: Account, commission_bps: int,
                       now: datetime | None = None) -> Order:
    """Pay a reservation that still holds: the order becomes paid and its money moves, or neither."""
    now = now or utcnow()
    if source.currency != order.currency:
        raise Conflict.field("currency", "matches_order_currency", f"the order is in {order.currency}")
    if order.status == "reserved" and order.reserved_until <= now:
        raise Conflict.field("status", "reservation_open", "the reservation expired; buy again")
    await _move(session, order, ("reserved",), "paid", "not_paid", (ORDERS.c.reserved_until > now,),
                paid_at=now, payment_provider=provider)
    await post_order_payment(session, order, source, commission_bps=commission_bps)
    await notification_hooks.on_order_paid(session, order)
    return order


async def _release(session: AsyncSession, order: Order, now: datetime) -> None:
    to_flash, left = await give_back(session, order.product_id, order.flash_sale_id, order.quantity, now,
                                     order.variant_id)
    if order.show_id is not None:
        variant = {"variant_id": order.variant_id} if order.variant_id is not None else {}
        publish_on_commit(session, Event(order.show_id, "stock.changed", {
            "product_id": order.product_id, "flash_sale_id": order.flash_sale_id if to_flash else None,
            "units_left": left, **variant}))


async def _give_money_back(session: AsyncSession, order: Order, by: User) -> None:
    """A paid order's money goes back: the refund, a voucher's share of it, and the news of it."""
    await post_order_refund(session, order, created_by_id=by.id)
    await give_back_voucher(session, order)
    await combined.after_money_back(session, order)  # to the card, and the parcel's fee when nothing is left
    await notification_hooks.on_order_refunded(session, order)


async def do_cancel(*, session: AsyncSession, order: Order, by: User) -> Order:
    """Cancel before shipping: the units go back on sale and a paid order is refunded."""
    now = utcnow()
    was = await _move(session, order, ("paid", "reserved"), "cancelled", "cancellable", closed_at=now)
    await _release(session, order, now)
    if was == "paid":
        await _give_money_back(session, order, by)
    return order


async def do_ship(*, session: AsyncSession, order: Order, tracking_number: str) -> Order:
    """The shop sent a paid order, with the carrier's tracking number."""
    await _move(session, order, ("paid",), "shipped", "paid_before_shipping", shipped_at=utcnow(),
                tracking_number=tracking_number)
    await notification_hooks.on_order_shipped(session, order)
    return order


async def do_deliver(*, session: AsyncSession, order: Order) -> Order:
    """A shipped order arrived."""
    await _move(session, order, ("shipped",), "delivered", "shipped_before_delivery", delivered_at=utcnow())
    await notification_hooks.on_order_delivered(session, order)
    return order


async def do_refund(*, session: AsyncSession, order: Order, by: User) -> Order:
    """Refund a shipped or delivered order (a paid one not yet shipped is cancelled instead)."""
    await _move(session, order, ("shipped", "delivered"), "refunded", "refundable", closed_at=utcnow())
    await _give_money_back(session, order, by)
    return order


async def expire_due(*, session: AsyncSession, now: datetime, limit: int = 500) -> int:
    """Expire reservations whose time ran out and put their units back on sale; how many expired."""
    due = list(await session.scalars(select(Order).where(Order.status == "reserved", Order.reserved_until <= now)
                                     .order_by(Order.reserved_until).limit(limit)))
    expired = 0
    for order in due:
        result = await session.execute(update(ORDERS).where(ORDERS.c.id == order.id, ORDERS.c.status == "reserved",
                                                            ORDERS.c.reserved_until <= now)
                                       .values(status="expired", closed_at=now))
        if result.rowcount == 1:  # a payment may have won the race: then it stays paid
            set_committed_value(order, "status", "expired")
            await _release(session, order, now)
            expired += 1
    return expired


async def list_buyer_orders(*, session: AsyncSession, buyer: User, page: int, per_page: int
                            ) -> tuple[list[Order], int]:
    """The buyer's orders, newest first."""
    query = select(Order).where(Order.buyer_id == buyer.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(Order.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total or 0


async def list_shop_orders(
    *, session: AsyncSession, shop_id: int, status: str | None = None, show_id: int | None = None,
    product_id: int | None = None, since: datetime | None = None, until: datetime | None = None, page: int = 1,
    per_page: int = 50,
) -> tuple[list[Order], int]:
    """A shop's orders, newest first, by status, show, product and time."""
    query = select(Order).where(Order.shop_id == shop_id)
    for column, value in ((Order.status, status), (Order.show_id, show_id), (Order.product_id, product_id)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(Order.created_at >= since)
    if until is not None:
        query = query.where(Order.created_at < until)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(Order.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total or 0
