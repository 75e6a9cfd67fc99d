"""On camera: opening the next ticket, recording its outcome, corrections, absent buyers, and closing a lot."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, Invalid, NotFound
from livestall.events import Event, on_camera, publish_on_commit
from livestall.ledger.flows import wallet_account
from livestall.ledger.service import ACCOUNTS, ENTRIES, TRANSFERS, Account, post_transfer
from livestall.notifications import hooks as notification_hooks
from livestall.openings.carry import check_follow_up, do_carry_over
from livestall.openings.models import WAITING, OpeningLot, OpeningTicket
from livestall.openings.photos import get_photo_for_outcome, photo_url
from livestall.openings.places import tell_places
from livestall.openings.schemas import CloseIn, CorrectionIn, OutcomeIn
from livestall.openings.service import audit, lock_lot, publish_queue, revealed_seed, ticket_view


async def get_ticket(*, session: AsyncSession, lot: OpeningLot, ticket_id: int) -> OpeningTicket:
    """The lot's ticket with this id, as it is now: a ticket of another lot is refused by name."""
    ticket = await get_or_404(session, OpeningTicket, ticket_id, "ticket", populate_existing=True)
    if ticket.lot_id != lot.id:
        raise Invalid.field("ticket_id", "ticket_of_lot", "this ticket belongs to another lot")
    return ticket


def _check_open(lot: OpeningLot) -> None:
    if lot.status != "open":
        raise Conflict.field("lot_id", "lot_open", "this lot is closed: outcomes can no longer be recorded")


def summary(lot: OpeningLot, outcome: dict) -> str:
    """The line the room sees, e.g. '4 pearls'."""
    if outcome.get("pearl_count") is not None:
        count = outcome["pearl_count"]
        return f"{count} pearl" if count == 1 else f"{count} pearls"
    return outcome.get("summary") or lot.title


async def do_open(*, session: AsyncSession, lot: OpeningLot, ticket_id: int, host: User,
                  outcome_in: OutcomeIn) -> OpeningTicket:
    """Open a ticket on camera and record what was inside: the next in line, or one set aside earlier."""
    await lock_lot(session, lot)
    _check_open(lot)
    ticket = await get_ticket(session=session, lot=lot, ticket_id=ticket_id)
    if ticket.status not in WAITING:
        raise Conflict.field("ticket_id", "not_opened", f"this ticket is {ticket.status.replace('_', ' ')}")
    if ticket.status == "queued":
        first = await session.scalar(select(OpeningTicket.id).where(
            OpeningTicket.lot_id == lot.id, OpeningTicket.status == "queued").order_by(OpeningTicket.position).limit(1))
        if first != ticket.id:
            raise Conflict.field("ticket_id", "next_in_line", "open the tickets in line order (or set this one aside)")
    outcome = outcome_in.model_dump(exclude_none=True)
    if outcome_in.photo_id is not None:
        photo = await get_photo_for_outcome(session=session, lot=lot, photo_id=outcome_in.photo_id)
        outcome["photo_url"] = photo_url(photo)
    if ticket.drawn_index is not None:
        outcome["drawn_item"] = lot.pick_items[ticket.drawn_index]
    ticket.outcome = outcome
    ticket.status = "opened"
    ticket.opened_at = utcnow()
    ticket.fulfilment = "awaiting_choice"
    buyer = await session.get(User, ticket.buyer_id)
    line = summary(lot, outcome)
    opened = {"position": ticket.position, "outcome": outcome}
    if ticket.carried_from_ticket_id is not None:
        opened["carried_from_ticket_id"] = ticket.carried_from_ticket_id
    audit(session, lot, "opened", opened, actor_id=host.id, ticket_id=ticket.id)
    await session.flush()
    publish_on_commit(session, Event(lot.show_id, "opening.result", {
        "lot_id": lot.id, "ticket_id": ticket.id, "buyer_name": buyer.display_name, "kind": lot.kind,
        "summary": line, "outcome": outcome, "stream_offset_s": outcome.get("stream_offset_s")},
        on_camera(ticket.opened_at)))
    await notification_hooks.on_opening_result(session, lot, ticket)
    await notification_hooks.on_opening_turn(session, lot)
    await publish_queue(session, lot)
    await tell_places(session, lot, also=[ticket.buyer_id])
    return ticket


async def do_correct(*, session: AsyncSession, lot: OpeningLot, ticket_id: int, host: User,
                     correction: CorrectionIn) -> dict:
    """A correction of an outcome: a new audit entry; the recorded outcome itself never changes."""
    ticket = await get_ticket(session=session, lot=lot, ticket_id=ticket_id)
    if ticket.status != "opened":
        raise Conflict.field("ticket_id", "opened", "only an opened ticket's outcome can be corrected")
    data = {"reason": correction.reason, "outcome": correction.outcome.model_dump(exclude_none=True)}
    audit(session, lot, "corrected", data, actor_id=host.id, ticket_id=ticket.id)
    return data


async def do_set_aside(*, session: AsyncSession, lot: OpeningLot, ticket_id: int, host: User) -> OpeningTicket:
    """The buyer is away: their ticket leaves the line, to be opened later in the show or at close."""
    await lock_lot(session, lot)
    _check_open(lot)
    ticket = await get_ticket(session=session, lot=lot, ticket_id=ticket_id)
    if ticket.status != "queued":
        raise Conflict.field("ticket_id", "queued", f"this ticket is {ticket.status.replace('_', ' ')}")
    ticket.status = "set_aside"
    audit(session, lot, "set_aside", {"position": ticket.position}, actor_id=host.id, ticket_id=ticket.id)
    await session.flush()
    await notification_hooks.on_opening_turn(session, lot)
    await publish_queue(session, lot)
    await tell_places(session, lot, also=[ticket.buyer_id])
    return ticket


async def _refund(session: AsyncSession, ticket: OpeningTicket, actor_id: int) -> None:
    """Undo the ticket's payment exactly, back into the buyer's wallet (a carried ticket's: the first one's)."""
    paid_by = ticket
    while paid_by.carried_from_ticket_id is not None:
        paid_by = await session.get(OpeningTicket, paid_by.carried_from_ticket_id)
    paid = await session.execute(
        select(ACCOUNTS.c.id, ACCOUNTS.c.kind, ACCOUNTS.c.owner_key, ACCOUNTS.c.currency, ENTRIES.c.amount_minor)
        .join(ENTRIES, ENTRIES.c.account_id == ACCOUNTS.c.id).join(TRANSFERS, TRANSFERS.c.id == ENTRIES.c.transfer_id)
        .where(TRANSFERS.c.reference == f"opening:{paid_by.id}:payment"))
    legs = [(Account(a, k, o, c), -amount) for a, k, o, c, amount in paid if amount > 0]
    wallet = await wallet_account(session, ticket.buyer_id, ticket.currency)
    await post_transfer(session, kind="opening_refund", reference=f"opening:{ticket.id}:refund",
                        legs=[*legs, (wallet, ticket.price_minor)], memo=f"refund of opening ticket {ticket.id}",
                        created_by_id=actor_id)


async def do_close(*, session: AsyncSession, lot: OpeningLot, host: User, close_in: CloseIn
                   ) -> tuple[list[OpeningTicket], OpeningLot | None]:
    """Close the lot and refund, or carry over to a follow-up show, every unopened ticket; each buyer is told.

    The seed is revealed now, unless tickets carried over still hold draws: then the lot that finally closes
    them reveals it (the follow-up lot keeps the same seed).
    """
    await lock_lot(session, lot)
    _check_open(lot)
    follow = None
    if close_in.unopened == "follow_up":
        follow = await check_follow_up(session=session, lot=lot, show_id=close_in.follow_up_show_id)
    lot.status = "closed"
    lot.closed_at = utcnow()
    lot.unopened = close_in.unopened
    lot.follow_up_show_id = follow.id if follow else None
    unopened = list(await session.scalars(select(OpeningTicket).where(
        OpeningTicket.lot_id == lot.id, OpeningTicket.status.in_(WAITING)).order_by(OpeningTicket.position)))
    for ticket in unopened:
        if follow is None:
            await _refund(session, ticket, host.id)
            ticket.status = "refunded"
            await notification_hooks.on_opening_refunded(session, lot, ticket)
        else:
            ticket.status = "carried_over"
        audit(session, lot, ticket.status, {"position": ticket.position,
                                            "follow_up_show_id": lot.follow_up_show_id},
              actor_id=host.id, ticket_id=ticket.id)
    carried = None
    if follow is not None and unopened:
        carried = await do_carry_over(session=session, lot=lot, follow=follow, tickets=unopened, host=host)
    elif follow is not None:
        lot.follow_up_show_id = None  # nothing was waiting: nothing moves, and the seed can be revealed
    seed = revealed_seed(lot)
    audit(session, lot, "closed", {"unopened": close_in.unopened, "seed": seed,
                                   "carried_to_lot_id": carried.id if carried else None}, actor_id=host.id)
    await session.flush()
    publish_on_commit(session, Event(lot.show_id, "opening.closed", {
        "lot_id": lot.id, "unopened": close_in.unopened, "follow_up_show_id": lot.follow_up_show_id,
        "follow_up_lot_id": carried.id if carried else None, "seed": seed, "seed_hash": lot.seed_hash,
        "tickets": [{"ticket_id": t.id, "buyer_id": t.buyer_id, "status": t.status} for t in unopened]}))
    await publish_queue(session, lot)
    await tell_places(session, lot, only=(), also=[t.buyer_id for t in unopened])
    return unopened, carried


def result_view(ticket: OpeningTicket, lot: OpeningLot, buyer_name: str | None) -> dict:
    """An opened ticket for the room and the studio."""
    return {**ticket_view(ticket, lot, buyer_name), "summary": summary(lot, ticket.outcome or {})}


async def get_ticket_of(*, session: AsyncSession, ticket_id: int, user: User) -> OpeningTicket:
    """The user's own ticket; someone else's is not found."""
    ticket = await session.get(OpeningTicket, ticket_id)
    if ticket is None or ticket.buyer_id != user.id:
        raise NotFound(f"no ticket {ticket_id}")
    return ticket
