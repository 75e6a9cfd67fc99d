"""Carrying unopened tickets over to a follow-up show: a lot there holds them, in their original line order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.errors import Invalid
from livestall.events import Event, publish_on_commit
from livestall.openings.models import OpeningLot, OpeningTicket
from livestall.openings.service import audit, lot_view, request_hash
from livestall.shows.models import Show


async def check_follow_up(*, session: AsyncSession, lot: OpeningLot, show_id: int | None) -> Show:
    """The show unopened tickets move to: another scheduled show of the same shop."""
    if show_id is None:
        raise Invalid.field("follow_up_show_id", "required", "name the follow-up show")
    follow = await session.get(Show, show_id)
    if follow is None or follow.shop_id != lot.shop_id or follow.status != "scheduled" or follow.id == lot.show_id:
        raise Invalid.field("follow_up_show_id", "scheduled_show_of_shop",
                            "must be another scheduled show of the same shop")
    return follow


async def do_carry_over(*, session: AsyncSession, lot: OpeningLot, follow: Show, tickets: list[OpeningTicket],
                        host: User) -> OpeningLot:
    """A lot in the follow-up show for `tickets` (in line order): sold out, same price, same seed and draws."""
    carried = OpeningLot(show_id=follow.id, shop_id=lot.shop_id, created_by_id=host.id, kind=lot.kind,
                         title=lot.title, description=lot.description, price_minor=lot.price_minor,
                         currency=lot.currency, quantity=len(tickets), sold=len(tickets),
                         random_pick=lot.random_pick, pick_items=lot.pick_items, seed=lot.seed,
                         seed_hash=lot.seed_hash, status="open", addon_product_id=lot.addon_product_id,
                         contents_product_id=lot.contents_product_id, carried_from_lot_id=lot.id)
    session.add(carried)
    await session.flush()
    audit(session, carried, "lot_created", {"carried_from_lot_id": lot.id, "price_minor": lot.price_minor,
                                            "currency": lot.currency, "quantity": len(tickets),
                                            "seed_hash": lot.seed_hash}, actor_id=host.id)
    for position, old in enumerate(tickets, start=1):
        # Nothing is charged again: the first ticket's payment stands (and a refund reverses it).
        ticket = OpeningTicket(lot_id=carried.id, show_id=follow.id, buyer_id=old.buyer_id, position=position,
                               price_minor=old.price_minor, currency=old.currency,
                               idempotency_key=f"carried:{old.id}", request_hash=request_hash(carried.id),
                               drawn_index=old.drawn_index, status="queued", carried_from_ticket_id=old.id)
        session.add(ticket)
        await session.flush()
        audit(session, carried, "carried_in", {"position": position, "from_ticket_id": old.id,
                                               "from_lot_id": lot.id, "from_position": old.position,
                                               "buyer_id": old.buyer_id}, actor_id=host.id, ticket_id=ticket.id)
    publish_on_commit(session, Event(follow.id, "opening.lot", lot_view(carried)))
    return carried
