"""The buyer's openings: places, outcomes, fulfilment orders, the add-on on offer, and where carried tickets went."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product
from livestall.money import Money
from livestall.openings.fulfilment import orders_of
from livestall.openings.models import OpeningLot, OpeningTicket
from livestall.openings.service import ticket_view
from livestall.shows.models import Show


def addon_view(product: Product) -> dict:
    """The jewellery setting on offer, with its variants to choose from (each at its own price when it has one)."""
    return {"id": product.id, "title": product.title, "price": Money(product.price_minor, product.currency).as_dict(),
            "variants": [{"id": v.id, "label": v.label, "stock": v.stock,
                          "price": Money(v.price_minor if v.price_minor is not None else product.price_minor,
                                         product.currency).as_dict()} for v in product.variants]}


async def list_my_tickets(*, session: AsyncSession, user_id: int) -> list[dict]:
    """The user's openings, newest first, with outcomes, fulfilment and the jewellery setting offered."""
    rows = (await session.execute(
        select(OpeningTicket, OpeningLot).join(OpeningLot, OpeningLot.id == OpeningTicket.lot_id)
        .where(OpeningTicket.buyer_id == user_id).order_by(OpeningTicket.id.desc()))).all()
    orders = await orders_of(session, [t for t, _ in rows])
    addon_ids = {lot.addon_product_id for _, lot in rows if lot.addon_product_id}
    addons = {p.id: addon_view(p)
              for p in await session.scalars(select(Product).where(Product.id.in_(addon_ids)))} if addon_ids else {}
    show_ids = {lot.follow_up_show_id for t, lot in rows if t.status == "carried_over" and lot.follow_up_show_id}
    shows = {s.id: {"id": s.id, "title": s.title, "scheduled_at": s.scheduled_at}
             for s in await session.scalars(select(Show).where(Show.id.in_(show_ids)))} if show_ids else {}
    # One address per lot, asked once: the last one given for a ticket of the lot (ticket order ids grow).
    addresses: dict[int, dict] = {}
    for ticket, _lot in sorted(rows, key=lambda row: row[0].order_id or 0):
        if ticket.order_id is not None and ticket.shipping:
            addresses[ticket.lot_id] = ticket.shipping
    items = []
    for ticket, lot in rows:
        view = ticket_view(ticket, lot, order=orders.get(ticket.order_id))
        view["addon"] = addons.get(lot.addon_product_id)
        view["follow_up_show"] = shows.get(view["follow_up_show_id"])
        view["lot_address"] = addresses.get(lot.id)
        view["random_pick"] = lot.random_pick
        items.append(view)
    return items
