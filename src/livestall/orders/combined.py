"""Combined shipping: a paid order joins its buyer's open parcel from the shop, and the parcel's fee is charged
once, with its first paid order; free over the shop's threshold, given back when the parcel becomes free later
or when nothing is left in it to ship.

An order joins a parcel going to the same address from the same shop while the parcel still combines: during
its show, and for the shop's window (24 hours unless set) after the show ends; a parcel opened outside a show
combines for the window after it was opened."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.db import insert_ignoring_conflicts, utcnow
from livestall.errors import Invalid
from livestall.ledger.providers.card_refunds import request_card_refund
from livestall.ledger.service import ACCOUNTS, ENTRIES, TRANSFERS, Account, get_account, post_transfer, shop_key
from livestall.orders.models import MONEY_IN, Order
from livestall.orders.parcel_models import Parcel, ParcelOrder
from livestall.orders.shipping_fees import ShippingRules, get_rules
from livestall.shows.models import Show

PARCELS = Parcel.__table__
LINKS = ParcelOrder.__table__
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")


def address_key(shipping: dict) -> str:
    """The same address typed the same way (case and spaces aside) gives the same key."""
    fields = {name: " ".join(str(shipping.get(name) or "").split()).casefold() for name in ADDRESS_FIELDS}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:40]


def country_of(order: Order) -> str:
    return str((order.shipping or {}).get("country") or "").upper()


@dataclass(frozen=True)
class ParcelState:
    """The parcel an order would join (None: a new one), what it holds already, and whether its fee is paid."""

    parcel: Parcel | None
    items_minor: int
    fee_settled: bool


async def _combines_until(session: AsyncSession, parcel: Parcel, hours: int) -> datetime | None:
    """Until when the parcel takes more orders; None: as long as its show is on."""
    if parcel.show_id is not None:
        show = await session.get(Show, parcel.show_id)
        if show is not None and show.ended_at is None:
            return None
        end = show.ended_at if show is not None and show.ended_at is not None else parcel.created_at
        return end + timedelta(hours=hours)
    return parcel.created_at + timedelta(hours=hours)


async def items_total(session: AsyncSession, parcel_id: int, *, exclude_order: int | None = None) -> int:
    """The items paid for in the parcel (orders still holding their money)."""
    query = (select(func.coalesce(func.sum(Order.total_minor), 0)).join(ParcelOrder, ParcelOrder.order_id == Order.id)
             .where(ParcelOrder.parcel_id == parcel_id, Order.status.in_(MONEY_IN)))
    if exclude_order is not None:
        query = query.where(Order.id != exclude_order)
    return int(await session.scalar(query) or 0)


async def find_parcel(session: AsyncSession, *, shop_id: int, buyer_id: int, show_id: int | None, key: str,
                      rules: ShippingRules, now: datetime) -> Parcel | None:
    """The buyer's open parcel from the shop to this address that an order made now would join."""
    open_ones = await session.scalars(select(Parcel).where(
        Parcel.shop_id == shop_id, Parcel.buyer_id == buyer_id, Parcel.address_key == key,
        Parcel.status == "open").order_by(Parcel.id.desc()).limit(20))
    for parcel in open_ones:
        if show_id is not None and parcel.show_id == show_id:
            return parcel
        until = await _combines_until(session, parcel, rules.combine_hours)
        if until is None or until > now:
            return parcel
    return None


async def parcel_state(session: AsyncSession, *, shop_id: int, buyer_id: int, show_id: int | None,
                       shipping: dict, rules: ShippingRules, exclude_order: int | None = None) -> ParcelState:
    """Where an order to `shipping` would go, what that parcel already holds, and if its fee is settled."""
    parcel = await find_parcel(session, shop_id=shop_id, buyer_id=buyer_id, show_id=show_id,
                               key=address_key(shipping), rules=rules, now=utcnow())
    if parcel is None:
        return ParcelState(None, 0, False)
    items = await items_total(session, parcel.id, exclude_order=exclude_order)
    return ParcelState(parcel, items, parcel.fee_status != "none")


async def fee_due(session: AsyncSession, order: Order) -> int:
    """The shipping fee paying this order would add (0 when its parcel paid it already); Invalid when the shop
    does not ship to the order's country."""
    rules = await get_rules(session=session, shop_id=order.shop_id)
    if not rules.configured:
        return 0
    rules.base_fee(country_of(order), field="shipping.country")
    state = await parcel_state(session, shop_id=order.shop_id, buyer_id=order.buyer_id, show_id=order.show_id,
                               shipping=order.shipping or {}, rules=rules, exclude_order=order.id)
    if state.fee_settled:
        return 0
    return rules.fee(country_of(order), state.items_minor + order.total_minor, field="shipping.country")


async def _open_parcel(session: AsyncSession, order: Order, key: str) -> Parcel:
    """A new parcel for the order; a payment racing to open the same one finds that one instead."""
    anchor = f"show{order.show_id}" if order.show_id is not None else f"order{order.id}"
    open_key = f"{order.shop_id}:{order.buyer_id}:{key}:{anchor}"
    await session.execute(insert_ignoring_conflicts(session, PARCELS, ["open_key"]).values(
        shop_id=order.shop_id, buyer_id=order.buyer_id, show_id=order.show_id, open_key=open_key, address_key=key,
        country=country_of(order), currency=order.currency, fee_minor=0, fee_status="none", status="open",
        created_at=utcnow()))
    return await session.scalar(select(Parcel).where(Parcel.open_key == open_key))


async def _link_to_parcel(session: AsyncSession, order: Order) -> tuple[ShippingRules, Parcel]:
    """Put a just-paid order in its buyer's parcel from the shop (opened if none takes it): the rules and parcel."""
    rules = await get_rules(session=session, shop_id=order.shop_id)
    key = address_key(order.shipping or {})
    parcel = await find_parcel(session, shop_id=order.shop_id, buyer_id=order.buyer_id, show_id=order.show_id,
                               key=key, rules=rules, now=utcnow())
    if parcel is None:
        parcel = await _open_parcel(session, order, key)
    await session.execute(insert_ignoring_conflicts(session, LINKS, ["order_id"]).values(
        order_id=order.id, parcel_id=parcel.id))
    return rules, parcel


async def do_ride_in_parcel(session: AsyncSession, order: Order) -> None:
    """Put an order paid outside the buy button (an auction's hammer, a giveaway's prize, an opening's add-on)
    in its buyer's parcel from the shop: packed and shipped with the rest, the parcel's fee left to the orders
    paid at the buy button."""
    await _link_to_parcel(session, order)


async def do_join_parcel(session: AsyncSession, order: Order, *, source: Account, most: int | None = None) -> int:
    """Put a just-paid order in its parcel and charge the parcel's fee from `source` if this is its first paid
    order (at most `most`, what the buyer paid for shipping at a provider); the fee charged."""
    rules, parcel = await _link_to_parcel(session, order)
    if not rules.configured:
        return 0
    items = await items_total(session, parcel.id)
    try:
        fee = rules.fee(parcel.country, items, field="shipping.country")
    except Invalid:
        if most is None:
            raise
        fee = 0  # the rules changed after the buyer paid at the provider: what they paid stands
    if most is not None:
        fee = min(fee, most)
    # One fee per parcel: of two first payments racing, one sets it and the other pays none.
    claimed = await session.execute(update(PARCELS).where(PARCELS.c.id == parcel.id, PARCELS.c.fee_status == "none")
                                    .values(fee_status="charged" if fee else "free", fee_minor=fee,
                                            fee_order_id=order.id))
    if claimed.rowcount == 1:
        if fee:
            revenue = await get_account(session, "shop_revenue", shop_key(order.shop_id), order.currency)
            await post_transfer(session, kind="shipping_fee", reference=f"parcel:{parcel.id}:fee", order_id=order.id,
                                legs=[(source, -fee), (revenue, fee)], memo=f"shipping of order {order.ref}")
        return fee
    await session.refresh(parcel)
    if parcel.fee_status == "charged" and rules.free_over_minor is not None and items >= rules.free_over_minor:
        await refund_fee(session, parcel, memo="shipping free over the shop's threshold")
    return 0


async def refund_fee(session: AsyncSession, parcel: Parcel, *, memo: str) -> int:
    """Give a charged fee back where it came from (the wallet, or the card through the provider); the amount."""
    given = await session.execute(update(PARCELS).where(PARCELS.c.id == parcel.id, PARCELS.c.fee_status == "charged")
                                  .values(fee_status="refunded"))
    if given.rowcount != 1:
        return 0
    paid = (await session.execute(
        select(ACCOUNTS.c.id, ACCOUNTS.c.kind, ACCOUNTS.c.owner_key, ACCOUNTS.c.currency, ENTRIES.c.amount_minor)
        .join(ENTRIES, ENTRIES.c.account_id == ACCOUNTS.c.id).join(TRANSFERS, TRANSFERS.c.id == ENTRIES.c.transfer_id)
        .where(TRANSFERS.c.reference == f"parcel:{parcel.id}:fee"))).all()
    payer = next((Account(a, k, o, c) for a, k, o, c, amount in paid if amount < 0), None)
    takers = [(Account(a, k, o, c), -amount) for a, k, o, c, amount in paid if amount > 0]
    if payer is None:
        return 0
    fee = -sum(amount for *_, amount in paid if amount < 0)
    order = await session.get(Order, parcel.fee_order_id)
    by_card = payer.kind == "provider_clearing"
    # Paid by card: owed back until the provider has credited the card.
    back = await get_account(session, "refunds", payer.owner_key, payer.currency) if by_card else payer
    await post_transfer(session, kind="shipping_refund", reference=f"parcel:{parcel.id}:fee-refund",
                        order_id=parcel.fee_order_id, legs=[*takers, (back, fee)], memo=memo)
    if by_card and order is not None:
        await request_card_refund(session, order=order, amount_minor=fee, reference=f"{order.ref}-shipping")
    return fee


async def after_money_back(session: AsyncSession, order: Order) -> None:
    """A paid order's money went back: to the card when a card paid it, and the parcel's fee with it when
    nothing is left in the parcel to ship."""
    if order.payment_provider not in ("wallet", None):
        await request_card_refund(session, order=order, amount_minor=None, reference=order.ref)
    parcel = await session.scalar(select(Parcel).join(ParcelOrder, ParcelOrder.parcel_id == Parcel.id)
                                  .where(ParcelOrder.order_id == order.id))
    if parcel is None or parcel.status != "open":
        return  # a parcel that left was shipped: its fee was spent
    left = await session.scalar(select(func.count()).select_from(ParcelOrder).join(Order, Order.id == ParcelOrder.order_id)
                                .where(ParcelOrder.parcel_id == parcel.id, Order.status == "paid"))
    if not left:
        await refund_fee(session, parcel, memo="shipping of a parcel with nothing left to ship")


@dataclass(frozen=True)
class Quote:
    """What shipping would cost with one more order: the fee, the zone, the items already in the parcel."""

    fee_minor: int
    zone: str | None
    items_in_parcel_minor: int
    fee_paid: bool
    free_over_minor: int | None
    configured: bool


async def quote(session: AsyncSession, *, shop_id: int, show_id: int | None, buyer_id: int | None,
                shipping: dict | None, country: str, adding_minor: int) -> Quote:
    """The fee an order of `adding_minor` to `country` adds to the buyer's parcel (Invalid naming `country`
    when the shop does not ship there)."""
    rules = await get_rules(session=session, shop_id=shop_id)
    if not rules.configured:
        return Quote(0, None, 0, False, None, False)
    rules.base_fee(country)
    zone = rules.zone_of(country)
    state = ParcelState(None, 0, False)
    if buyer_id is not None and shipping and str(shipping.get("country", "")).upper() == country:
        state = await parcel_state(session, shop_id=shop_id, buyer_id=buyer_id, show_id=show_id, shipping=shipping,
                                   rules=rules)
    fee = 0 if state.fee_settled else rules.fee(country, state.items_minor + adding_minor)
    return Quote(fee, zone.name if zone else None, state.items_minor, state.fee_settled, rules.free_over_minor, True)
