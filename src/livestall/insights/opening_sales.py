"""Paid openings as sales of the show they were bought in: one sale, one unit and the ticket's price each.

A ticket carried over to a follow-up show was paid once, in the first show: it counts there, unless the ticket
that finally holds it was refunded. The order that ships an opening's contents (at 0, `payment_provider`
"opening") is the same sale delivered, so the orders' figures leave it out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.openings.models import OpeningTicket as T

# The payment provider of an opening's shipping order (openings/fulfilment.py): no sale of its own.
OPENING_PROVIDER = "opening"


@dataclass
class OpeningSales:
    """A show's paid openings: how many, their total, and who bought them."""

    tickets: int = 0
    revenue_minor: int = 0
    buyers: set[int] = field(default_factory=set)


async def opening_sales(session: AsyncSession, show_ids: list[int]) -> dict[int, OpeningSales]:
    """The paid openings bought in these shows, by show; refunded ones (however far carried) left out."""
    sales: dict[int, OpeningSales] = defaultdict(OpeningSales)
    for show_id, buyer_id, price, _currency in await paid_openings(session, T.show_id.in_(show_ids)):
        sale = sales[show_id]
        sale.tickets += 1
        sale.revenue_minor += price
        sale.buyers.add(buyer_id)
    return dict(sales)


async def paid_openings(session: AsyncSession, *where) -> list[tuple[int, int, int, str]]:
    """(show, buyer, price, currency) of each paid opening bought as `where` says, left out when the ticket that
    finally holds it (however far carried over) was refunded."""
    rows = await session.execute(select(T.id, T.show_id, T.buyer_id, T.price_minor, T.currency, T.status).where(
        *where, T.carried_from_ticket_id.is_(None), T.status != "refunded"))
    kept: dict[int, tuple[int, int, int, str]] = {}  # first ticket id -> (show, buyer, price, currency)
    pending: dict[int, int] = {}  # a carried-over ticket -> the first ticket it continues
    for ticket_id, show_id, buyer_id, price, currency, status in rows:
        kept[ticket_id] = (show_id, buyer_id, price, currency)
        if status == "carried_over":
            pending[ticket_id] = ticket_id
    while pending:  # follow each carried ticket to the one that holds it now
        children = await session.execute(select(T.id, T.carried_from_ticket_id, T.status)
                                         .where(T.carried_from_ticket_id.in_(list(pending))))
        following: dict[int, int] = {}
        for child_id, parent_id, status in children:
            first = pending[parent_id]
            if status == "refunded":
                kept.pop(first, None)
            elif status == "carried_over":
                following[child_id] = first
        pending = following
    return list(kept.values())
