"""Replay chapters for openings: each recorded outcome, at the moment it was opened on camera, among the others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.auctions.chapters import auction_chapters
from livestall.media.chapters import list_chapters
from livestall.openings.models import OpeningLot, OpeningTicket
from livestall.openings.opening import summary


async def opening_chapters(*, session: AsyncSession, show_id: int,
                           position_of: Callable[[datetime], float | None]) -> list[dict]:
    """One chapter per opened ticket of the show, e.g. "Wang: 4 pearls"; moments not recorded are left out."""
    rows = await session.execute(
        select(OpeningTicket, OpeningLot, User.display_name).join(OpeningLot, OpeningLot.id == OpeningTicket.lot_id)
        .join(User, User.id == OpeningTicket.buyer_id)
        .where(OpeningTicket.show_id == show_id, OpeningTicket.status == "opened"))
    chapters = []
    for ticket, lot, name in rows.all():
        at = position_of(ticket.opened_at)
        if at is not None:
            chapters.append({"at_s": round(at, 1), "kind": "opening", "title": f"{name}: {summary(lot, ticket.outcome)}",
                             "ticket_id": ticket.id})
    return chapters


async def list_replay_chapters(*, session: AsyncSession, show_id: int,
                               position_of: Callable[[datetime], float | None]) -> list[dict]:
    """Every chapter of a show's replay in order: products and answered questions (media's), openings, auctions."""
    chapters = await list_chapters(session=session, show_id=show_id, position_of=position_of)
    chapters.extend(await opening_chapters(session=session, show_id=show_id, position_of=position_of))
    chapters.extend(await auction_chapters(session=session, show_id=show_id, position_of=position_of))
    chapters.sort(key=lambda c: (c["at_s"], c["kind"]))
    return chapters
