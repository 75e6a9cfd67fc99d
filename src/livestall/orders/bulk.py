"""A batch's statements on PostgreSQL: built once, each list of values sent as one parameter.

The driver checks array parameters element by element, which at 2,000 attempts per batch costs more
than the query; so key lists travel as one space-separated string (Idempotency-Keys are visible
ASCII, never a space) and the won orders as one JSON document. One prepared statement then serves
10 attempts or 2,000 with the same plan.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import JSON, Integer, String, bindparam, cast, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY, insert

from livestall.db import Bind
from livestall.orders.models import HOLDING, Order

ORDERS = Order.__table__
SHARED = ("status", "reserved_until", "created_at")  # the same for every order of a batch


def _recordset(name: str, *columns):
    """`json_to_recordset(:name) AS name(column type, ...)`: rows sent as one JSON list of objects."""
    return func.json_to_recordset(bindparam(name, type_=JSON)).table_valued(*columns).render_derived(
        name=name, with_types=True)


def _words(name: str):
    """`string_to_array(:name, ' ')`: a list sent as one space-separated string."""
    return func.string_to_array(bindparam(name, type_=String), " ")


def _joined(values: list[str]) -> str:
    """The values as one space-separated string; a value holding a space is refused, never split."""
    joined = " ".join(values)
    if joined.count(" ") != len(values) - 1:
        raise ValueError("a value sent in a space-separated list holds a space")
    return joined


_WANTED = func.unnest(cast(_words("buyers"), ARRAY(Integer)), _words("keys")).table_valued(
    "buyer_id", "idempotency_key").render_derived(name="wanted")
ORDERS_BY_KEY = (select(ORDERS.c.buyer_id, ORDERS.c.idempotency_key, ORDERS.c.id, ORDERS.c.request_hash)
                 .join_from(_WANTED, ORDERS, (ORDERS.c.idempotency_key == _WANTED.c.idempotency_key)
                            & (ORDERS.c.buyer_id == _WANTED.c.buyer_id)))

UNITS_HELD = (select(ORDERS.c.buyer_id, func.sum(ORDERS.c.quantity))
              .where(ORDERS.c.flash_sale_id == bindparam("flash_sale_id"),
                     ORDERS.c.buyer_id == func.any(cast(_words("buyers"), ARRAY(Integer))),
                     ORDERS.c.status == func.any(cast(_words("holding"), ARRAY(String))))
              .group_by(ORDERS.c.buyer_id))


async def orders_by_key(bind: Bind, pairs: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
    """Orders made under these (buyer, Idempotency-Key) pairs: their id and request hash."""
    rows = await bind.execute(ORDERS_BY_KEY, {"buyers": " ".join(str(buyer_id) for buyer_id, _ in pairs),
                                              "keys": _joined([key for _, key in pairs])})
    return {(buyer_id, key): (order_id, request_hash) for buyer_id, key, order_id, request_hash in rows}


async def units_held(bind: Bind, flash_sale_id: int, buyer_ids: list[int]) -> dict[int, int]:
    """Units each of these buyers holds in the flash sale."""
    rows = await bind.execute(UNITS_HELD, {"flash_sale_id": flash_sale_id, "holding": " ".join(HOLDING),
                                           "buyers": " ".join(map(str, buyer_ids))})
    return {buyer_id: int(units) for buyer_id, units in rows}


@lru_cache(maxsize=4)
def _insert(per_row: tuple[str, ...]):
    """INSERT ... SELECT FROM the JSON rows, skipping a (buyer, Idempotency-Key) already taken."""
    source = _recordset("rows", *(column(name, ORDERS.c[name].type) for name in per_row))
    shared = [bindparam(f"shared_{name}", type_=ORDERS.c[name].type) for name in SHARED]
    return (insert(ORDERS).from_select([*per_row, *SHARED], select(*(source.c[name] for name in per_row), *shared))
            .on_conflict_do_nothing(index_elements=["idempotency_key", "buyer_id"])
            .returning(ORDERS.c.id, ORDERS.c.ref))


async def insert_orders(bind: Bind, rows: list[dict]) -> dict[str, int]:
    """Insert a batch's orders in one statement, skipping a (buyer, Idempotency-Key) already taken:
    {ref: id} of the rows inserted."""
    per_row = tuple(name for name in rows[0] if name not in SHARED)
    params = {"rows": [{name: row[name] for name in per_row} for row in rows],
              **{f"shared_{name}": rows[0][name] for name in SHARED}}
    return {ref: order_id for order_id, ref in await bind.execute(_insert(per_row), params)}
