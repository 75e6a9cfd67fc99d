"""Paid openings in the room: lots, the line, outcomes and closes; each buyer's own places, privately."""

from __future__ import annotations

from typing import Any

from livestall.events.registry import Declarations, Payload
from livestall.events.selling import MoneyView

DECLARED = Declarations()


@DECLARED.room("opening.lot", when="a lot was put up in the show (or carried into it from an earlier show)")
class LotView(Payload):
    id: int
    show_id: int
    kind: str
    title: str
    description: str
    price: MoneyView
    quantity: int
    sold: int
    left: int
    random_pick: bool
    pick_items: list[str]
    seed_hash: str | None
    seed: str | None  # only once revealing it gives nothing away
    status: str
    unopened: str | None
    follow_up_show_id: int | None
    carried_from_lot_id: int | None
    addon_product_id: int | None


@DECLARED.room("opening.queue", when="a lot's line moved (a ticket bought, opened, set aside, or the lot closed)")
class QueueCounts(Payload):
    lot_id: int
    queued_positions: list[int]  # positions, never buyers: each viewer finds their own from their tickets
    sold: int
    left: int
    waiting: int
    opened: int
    outcome_deducible: bool


@DECLARED.room("opening.result", when="a ticket was opened on camera and its outcome recorded")
class OpeningResult(Payload):
    lot_id: int
    ticket_id: int
    buyer_name: str
    kind: str
    summary: str
    outcome: dict[str, Any]
    stream_offset_s: int | None


class ClosedTicket(Payload):
    """A ticket still waiting when its lot closed, and what became of it."""

    ticket_id: int
    buyer_id: int
    status: str


@DECLARED.room("opening.closed", when="the lot closed: unopened tickets refunded or carried to a follow-up show")
class OpeningClosed(Payload):
    lot_id: int
    unopened: str
    follow_up_show_id: int | None
    follow_up_lot_id: int | None
    seed: str | None
    seed_hash: str | None
    tickets: list[ClosedTicket]


class Place(Payload):
    """One of a buyer's waiting tickets and its place in line (1 = next)."""

    ticket_id: int
    lot_id: int
    position: int
    place: int


@DECLARED.routed("opening.places.private",
                 when="the line moved for some buyers: their places, by user id, for the openings part to send each")
class PlacesByBuyer(Payload):
    lot_id: int
    users: dict[str, list[Place]]


@DECLARED.frame("opening.place", when="the line moved for this viewer: their own places in the lot (none left: [])")
class OpeningPlace(Payload):
    lot_id: int
    places: list[Place]
