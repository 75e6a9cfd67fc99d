"""Settle a batch of purchase attempts for one offer in one transaction, each attempt answered on its own."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select

from livestall.db import Bind, dialect_name, insert_ignoring_conflicts
from livestall.notifications import low_stock
from livestall.orders import bulk
from livestall.orders.models import HOLDING, Order
from livestall.orders.stock import give_back, take_units

ORDERS = Order.__table__

WON, SOLD_OUT, LIMIT_REACHED, DUPLICATE = "won", "sold_out", "limit_reached", "duplicate"
SQLITE_CHUNK = 1000  # values per IN list: SQLite caps a statement's parameters


@dataclass(frozen=True, slots=True)
class VariantChoice:
    """One variant of an offer's product as a buyer may pick it: its values, and what a unit costs now
    (its running flash sale's price, else a festival price, else its own price override or the product's)."""

    id: int
    values: tuple[str, ...]
    label: str
    unit_price_minor: int
    flash_sale_id: int | None = None
    per_buyer_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """What a show sells right now: one product (or one variant of it), at a price, from its stock or a
    flash sale. An offer of a product with variants lists them; the buyer's pick makes the variant's offer."""

    show_id: int
    shop_id: int
    product_id: int
    flash_sale_id: int | None
    unit_price_minor: int
    currency: str
    per_buyer_limit: int | None = None
    options: tuple[str, ...] = ()
    title: str = ""
    variant_id: int | None = None
    axes: tuple[str, ...] = ()
    variants: tuple[VariantChoice, ...] = ()

    @property
    def key(self) -> tuple[int, int, int | None, int | None]:
        """Attempts with the same key race for the same stock row and are merged."""
        return (self.show_id, self.product_id, self.flash_sale_id, self.variant_id)

    def of_variant(self, choice: VariantChoice) -> Offer:
        """This offer narrowed to one of its variants."""
        return replace(self, variant_id=choice.id, unit_price_minor=choice.unit_price_minor,
                       flash_sale_id=choice.flash_sale_id, per_buyer_limit=choice.per_buyer_limit)


@dataclass(slots=True)
class Attempt:
    """One buyer's request to buy `quantity` units of an offer."""

    offer: Offer
    buyer_id: int
    quantity: int
    shipping: dict
    idempotency_key: str
    request_hash: str
    option: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to one attempt: won (with its order), sold_out, limit_reached, or duplicate of an order.

    Read-only: the attempts of a batch that got the same refusal share one."""

    result: str
    units_left: int = 0
    order: dict | None = None
    existing_order_id: int | None = None
    existing_hash: str | None = None


@dataclass(slots=True)
class Settled:
    """What a batch did: one outcome per attempt, in order, and what the room should hear."""

    outcomes: list[Outcome]
    units_sold: int = 0
    units_left: int = 0
    order_ids: list[int] = field(default_factory=list)

    @property
    def orders(self) -> int:
        """Orders the batch made."""
        return len(self.order_ids)


def new_ref() -> str:
    """A public order reference: short, unguessable, unique."""
    return "LS" + secrets.token_hex(8).upper()


async def _existing(bind: Bind, attempts: list[Attempt]) -> dict[tuple[int, str], tuple[int, str]]:
    """Orders already made under these (buyer, Idempotency-Key) pairs: their id and request hash."""
    wanted = {(a.buyer_id, a.idempotency_key) for a in attempts}
    if dialect_name(bind) == "postgresql":
        return await bulk.orders_by_key(bind, list(wanted))
    keys = sorted({key for _, key in wanted})
    found: dict[tuple[int, str], tuple[int, str]] = {}
    for i in range(0, len(keys), SQLITE_CHUNK):
        rows = await bind.execute(select(ORDERS.c.buyer_id, ORDERS.c.idempotency_key, ORDERS.c.id,
                                         ORDERS.c.request_hash)
                                  .where(ORDERS.c.idempotency_key.in_(keys[i:i + SQLITE_CHUNK])))
        for buyer_id, key, order_id, request_hash in rows:
            if (buyer_id, key) in wanted:
                found[(buyer_id, key)] = (order_id, request_hash)
    return found


async def _prior_units(bind: Bind, flash_sale_id: int, buyer_ids: set[int]) -> dict[int, int]:
    """Units each buyer already holds in this flash sale (read after the stock row is locked)."""
    ids = sorted(buyer_ids)
    if dialect_name(bind) == "postgresql":
        return await bulk.units_held(bind, flash_sale_id, ids)
    held: dict[int, int] = {}
    for i in range(0, len(ids), SQLITE_CHUNK):
        rows = await bind.execute(select(ORDERS.c.buyer_id, func.sum(ORDERS.c.quantity))
                                  .where(ORDERS.c.flash_sale_id == flash_sale_id,
                                         ORDERS.c.buyer_id.in_(ids[i:i + SQLITE_CHUNK]),
                                         ORDERS.c.status.in_(HOLDING))
                                  .group_by(ORDERS.c.buyer_id))
        held.update({buyer_id: int(units) for buyer_id, units in rows})
    return held


async def settle_batch(bind: Bind, attempts: list[Attempt], *, now: datetime, reservation: timedelta,
                       units_left_before: int | None = None) -> Settled:
    """One conditional decrement for the batch, per-buyer limits, the won orders inserted together.

    `units_left_before`, when known (the last batch's figure), only decides which statement goes first.

    Runs inside the caller's transaction; correct with several processes because the stock row is
    locked by the decrement before the per-buyer counts are read, and the orders' unique
    (buyer, Idempotency-Key) constraint catches a key raced from another process.
    """
    offer = attempts[0].offer
    limit = offer.per_buyer_limit
    existing = await _existing(bind, attempts)
    # Most attempts of a rush get one of two shared answers; duplicates and winners get their own.
    answers = [SOLD_OUT] * len(attempts)
    duplicates: dict[int, tuple[int | None, str | None]] = {}
    candidates: list[int] = []
    in_batch: dict[int, int] = defaultdict(int)
    for i, attempt in enumerate(attempts):
        found = existing.get((attempt.buyer_id, attempt.idempotency_key)) if existing else None
        if found is not None:
            duplicates[i] = found
        elif limit is not None and in_batch[attempt.buyer_id] + attempt.quantity > limit:
            answers[i] = LIMIT_REACHED
        else:
            in_batch[attempt.buyer_id] += attempt.quantity
            candidates.append(i)

    wanted = sum(attempts[i].quantity for i in candidates)
    short = units_left_before is not None and units_left_before < wanted
    taken, left = (await take_units(bind, offer.product_id, offer.flash_sale_id, wanted, now, expect_short=short,
                                    variant_id=offer.variant_id)
                   if wanted else (0, 0))
    remaining = taken
    rows: list[dict] = []
    won: list[int] = []
    if taken:
        held = await _prior_units(bind, offer.flash_sale_id, set(in_batch)) if limit is not None else {}
        until = now + reservation
        for i in candidates:
            attempt = attempts[i]
            if limit is not None and held.get(attempt.buyer_id, 0) + attempt.quantity > limit:
                answers[i] = LIMIT_REACHED
            elif attempt.quantity <= remaining:
                remaining -= attempt.quantity
                held[attempt.buyer_id] = held.get(attempt.buyer_id, 0) + attempt.quantity
                rows.append(_order_row(attempt, now, until))
                won.append(i)

    ids = await _insert_orders(bind, rows) if rows else {}
    lost = [(i, row) for i, row in zip(won, rows) if row["ref"] not in ids]
    if lost:  # the same key won in another process meanwhile: that order stands, this one never was
        remaining += sum(row["quantity"] for _, row in lost)
        raced = await _existing(bind, [attempts[i] for i, _ in lost])
        for i, _ in lost:
            duplicates[i] = raced.get((attempts[i].buyer_id, attempts[i].idempotency_key), (None, None))
    if remaining:
        _, left = await give_back(bind, offer.product_id, offer.flash_sale_id, remaining, now, offer.variant_id)

    shared = {SOLD_OUT: Outcome(SOLD_OUT, left), LIMIT_REACHED: Outcome(LIMIT_REACHED, left)}
    outcomes = [shared[answer] for answer in answers]
    for i, (order_id, request_hash) in duplicates.items():
        outcomes[i] = Outcome(DUPLICATE, left, existing_order_id=order_id, existing_hash=request_hash)
    settled = Settled(outcomes=outcomes, units_sold=taken - remaining, units_left=left)
    for i, row in zip(won, rows):
        if row["ref"] in ids:
            row["id"] = ids[row["ref"]]
            outcomes[i] = Outcome(WON, left, order=row)
            settled.order_ids.append(row["id"])
    await low_stock.after_sale(bind, offer, settled.units_sold, left)  # in this transaction: told once per crossing
    return settled


def _order_row(attempt: Attempt, now: datetime, until: datetime) -> dict:
    """The orders row of a won attempt, reserved until `until`."""
    offer = attempt.offer
    return {
        "ref": new_ref(), "buyer_id": attempt.buyer_id, "shop_id": offer.shop_id, "show_id": offer.show_id,
        "product_id": offer.product_id, "flash_sale_id": offer.flash_sale_id, "variant_id": offer.variant_id,
        "quantity": attempt.quantity,
        "option": attempt.option, "unit_price_minor": offer.unit_price_minor,
        "total_minor": offer.unit_price_minor * attempt.quantity, "currency": offer.currency,
        "status": "reserved", "shipping": attempt.shipping, "idempotency_key": attempt.idempotency_key,
        "request_hash": attempt.request_hash, "reserved_until": until, "created_at": now,
    }


async def _insert_orders(bind: Bind, rows: list[dict]) -> dict[str, int]:
    """Insert the won orders, skipping a (buyer, key) taken meanwhile: {ref: id} of those inserted."""
    if dialect_name(bind) == "postgresql":
        return await bulk.insert_orders(bind, rows)
    stmt = insert_ignoring_conflicts(bind, ORDERS, ["idempotency_key", "buyer_id"])
    result = await bind.execute(stmt.returning(ORDERS.c.id, ORDERS.c.ref), rows)
    return {ref: order_id for order_id, ref in result}
