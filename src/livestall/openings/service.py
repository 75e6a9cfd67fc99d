"""Opening lots and tickets: setting a lot up, buying a ticket through the ledger, the line, the audit log."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product, Shop
from livestall.db import get_or_404
from livestall.errors import Conflict, Invalid
from livestall.events import Event, publish_on_commit
from livestall.idempotency import KEY_HEADER
from livestall.ledger.flows import commission_of, wallet_account
from livestall.ledger.service import PLATFORM, get_account, post_transfer, shop_key
from livestall.money import Money
from livestall.openings import fairness
from livestall.openings.models import WAITING, OpeningAudit, OpeningLot, OpeningTicket
from livestall.openings.places import tell_places
from livestall.openings.schemas import LotCreate
from livestall.shows.models import Show

LOTS = OpeningLot.__table__


def audit(session: AsyncSession, lot: OpeningLot, action: str, data: dict, *, actor_id: int | None,
          ticket_id: int | None = None) -> None:
    """Append one entry to the lot's audit log."""
    session.add(OpeningAudit(lot_id=lot.id, ticket_id=ticket_id, action=action, data=data, actor_id=actor_id))


def revealed_seed(lot: OpeningLot) -> str | None:
    """The seed once it gives nothing away: the lot is closed and no ticket it carried over still waits on it
    (a follow-up lot keeps the same seed and reveals it when it closes)."""
    if lot.status != "closed" or (lot.random_pick and lot.follow_up_show_id is not None):
        return None
    return lot.seed


def lot_view(lot: OpeningLot) -> dict:
    """A lot as everyone may see it: the seed only once it is revealed."""
    return {"id": lot.id, "show_id": lot.show_id, "kind": lot.kind, "title": lot.title,
            "description": lot.description, "price": Money(lot.price_minor, lot.currency).as_dict(),
            "quantity": lot.quantity, "sold": lot.sold, "left": lot.quantity - lot.sold,
            "random_pick": lot.random_pick, "pick_items": lot.pick_items, "seed_hash": lot.seed_hash,
            "seed": revealed_seed(lot), "status": lot.status, "unopened": lot.unopened,
            "follow_up_show_id": lot.follow_up_show_id, "carried_from_lot_id": lot.carried_from_lot_id,
            "addon_product_id": lot.addon_product_id}


def ticket_view(ticket: OpeningTicket, lot: OpeningLot, buyer_name: str | None = None,
                order: dict | None = None) -> dict:
    """A ticket: its place in line and, once opened, what was inside and where it goes."""
    drawn = None
    if ticket.drawn_index is not None and ticket.status == "opened":
        drawn = lot.pick_items[ticket.drawn_index]
    return {"id": ticket.id, "lot_id": ticket.lot_id, "show_id": ticket.show_id, "buyer_id": ticket.buyer_id,
            "buyer_name": buyer_name, "position": ticket.position, "status": ticket.status,
            "price": Money(ticket.price_minor, ticket.currency).as_dict(), "drawn_item": drawn,
            "outcome": ticket.outcome, "fulfilment": ticket.fulfilment, "opened_at": ticket.opened_at,
            "kind": lot.kind, "title": lot.title, "order_id": ticket.order_id, "order": order,
            "carried_from_ticket_id": ticket.carried_from_ticket_id, "addon_product_id": lot.addon_product_id,
            "follow_up_show_id": lot.follow_up_show_id if ticket.status == "carried_over" else None}


async def check_addon(*, session: AsyncSession, shop: Shop, product_id: int, currency: str) -> Product:
    """The jewellery setting offered with a lot: an active product of the same shop, in the lot's currency."""
    product = await session.get(Product, product_id)
    if product is None or product.shop_id != shop.id:
        raise Invalid.field("addon_product_id", "product_of_shop", "must be a product of this show's shop")
    if product.status != "active":
        raise Invalid.field("addon_product_id", "product_active", "must be an active product")
    if product.currency != currency:
        raise Invalid.field("addon_product_id", "same_currency", f"must be priced in {currency}")
    return product


async def get_lot(*, session: AsyncSession, lot_id: int) -> OpeningLot:
    """The lot with this id, or NotFound."""
    return await get_or_404(session, OpeningLot, lot_id)


async def list_lots(*, session: AsyncSession, show_id: int) -> list[OpeningLot]:
    """A show's lots, oldest first."""
    return list(await session.scalars(select(OpeningLot).where(OpeningLot.show_id == show_id).order_by(OpeningLot.id)))


async def do_create_lot(*, session: AsyncSession, show: Show, user: User, lot_in: LotCreate) -> OpeningLot:
    """Set up a lot; a random pick commits to its seed now by publishing the seed's hash."""
    if show.status not in ("scheduled", "live"):
        raise Conflict.field("show_id", "show_open", "openings are set up in a scheduled or live show")
    if lot_in.random_pick and len(lot_in.pick_items) < lot_in.quantity:
        raise Invalid.field("pick_items", "enough_items", "a random pick needs at least one item per opening")
    if lot_in.random_pick and len(set(lot_in.pick_items)) < 2:
        # One kind of item only: every opening's outcome would be known before it is bought.
        raise Invalid.field("pick_items", "distinct_items", "a random pick draws from at least two different items")
    if not lot_in.random_pick and lot_in.pick_items:
        raise Invalid.field("pick_items", "random_pick_only", "only a random pick draws from a set of items")
    shop = await session.get(Shop, show.shop_id)
    currency = lot_in.currency or shop.currency
    if currency != shop.currency:
        raise Invalid.field("currency", "shop_currency", f"the shop sells in {shop.currency}")
    if lot_in.addon_product_id is not None:
        await check_addon(session=session, shop=shop, product_id=lot_in.addon_product_id, currency=currency)
    seed = fairness.new_seed() if lot_in.random_pick else None
    lot = OpeningLot(show_id=show.id, shop_id=show.shop_id, created_by_id=user.id, kind=lot_in.kind,
                     title=lot_in.title, description=lot_in.description, price_minor=lot_in.price_minor,
                     currency=currency, quantity=lot_in.quantity, sold=0, random_pick=lot_in.random_pick,
                     pick_items=lot_in.pick_items, seed=seed, seed_hash=fairness.commitment(seed) if seed else None,
                     status="open", addon_product_id=lot_in.addon_product_id)
    session.add(lot)
    await session.flush()
    audit(session, lot, "lot_created", {"price_minor": lot.price_minor, "currency": currency,
                                        "quantity": lot.quantity, "seed_hash": lot.seed_hash}, actor_id=user.id)
    publish_on_commit(session, Event(show.id, "opening.lot", lot_view(lot)))
    return lot


def request_hash(lot_id: int) -> str:
    """What an Idempotency-Key was used for."""
    return hashlib.sha256(json.dumps(["opening", lot_id]).encode()).hexdigest()


async def lock_lot(session: AsyncSession, lot: OpeningLot) -> None:
    """Take the lot's row lock and read it again: the host's moves on one lot (and its sales) then happen
    one at a time, each deciding on what the one before it left, so a double tap opens or refunds once."""
    await session.execute(update(LOTS).where(LOTS.c.id == lot.id).values(sold=LOTS.c.sold))
    await session.refresh(lot)


async def do_buy_ticket(*, session: AsyncSession, lot: OpeningLot, buyer: User, key: str,
                        commission_bps: int) -> tuple[OpeningTicket, bool]:
    """Pay from the wallet and join the line; the same key again returns the same ticket (created=False)."""
    # Lock the lot first: buyers of one lot queue here, so places follow purchase order and a retried
    # key finds the ticket its first attempt committed.
    await lock_lot(session, lot)
    existing = await session.scalar(select(OpeningTicket).where(
        OpeningTicket.buyer_id == buyer.id, OpeningTicket.idempotency_key == key))
    if existing is not None:
        if existing.request_hash != request_hash(lot.id):
            raise Invalid.field(KEY_HEADER, "same_request", "was already used for a different purchase; use a new key")
        return existing, False
    if lot.status != "open":
        raise Conflict.field("lot_id", "lot_open", "this lot is closed")
    if lot.sold >= lot.quantity:
        raise Conflict.field("quantity", "available", "all openings of this lot are sold")
    # Checked under the lot's lock, on the outcomes opened and committed so far: a result published after
    # this point was unknown to the buyer when they tapped.
    if await outcome_deducible(session, lot):
        raise Conflict.field("lot_id", "outcome_deducible",
                             "what the next opening holds can be worked out from the ones already opened, "
                             "so this lot sells no more")
    position = lot.sold + 1
    lot.sold = position
    drawn = fairness.draw_all(lot.seed, lot.pick_items, position)[-1] if lot.random_pick else None
    ticket = OpeningTicket(lot_id=lot.id, show_id=lot.show_id, buyer_id=buyer.id, position=position,
                           price_minor=lot.price_minor, currency=lot.currency, idempotency_key=key,
                           request_hash=request_hash(lot.id), drawn_index=drawn, status="queued")
    session.add(ticket)
    await session.flush()
    wallet = await wallet_account(session, buyer.id, lot.currency)
    revenue = await get_account(session, "shop_revenue", shop_key(lot.shop_id), lot.currency)
    platform = await get_account(session, "platform_commission", PLATFORM, lot.currency)
    commission = commission_of(lot.price_minor, commission_bps)
    await post_transfer(session, kind="opening_payment", reference=f"opening:{ticket.id}:payment",
                        legs=[(wallet, -lot.price_minor), (revenue, lot.price_minor - commission),
                              (platform, commission)],
                        memo=f"opening {lot.title} #{position}", created_by_id=buyer.id)
    audit(session, lot, "ticket_bought", {"position": position, "buyer_id": buyer.id}, actor_id=buyer.id,
          ticket_id=ticket.id)
    await publish_queue(session, lot)
    await tell_places(session, lot, only=[buyer.id])
    return ticket, True


async def outcome_deducible(session: AsyncSession, lot: OpeningLot) -> bool:
    """Whether the public record (the item list and the draws opened so far) tells what a new ticket would hold."""
    if not lot.random_pick:
        return False
    opened = await session.scalars(select(OpeningTicket.drawn_index).where(
        OpeningTicket.lot_id == lot.id, OpeningTicket.status == "opened", OpeningTicket.drawn_index.is_not(None)))
    shown = [lot.pick_items[index] for index in opened]
    return len(fairness.possible_outcomes(lot.pick_items, shown)) < 2


async def queue_counts(session: AsyncSession, lot: OpeningLot) -> dict:
    """How many tickets of the lot wait, and how many were opened."""
    rows = await session.execute(select(OpeningTicket.status, func.count()).where(OpeningTicket.lot_id == lot.id)
                                 .group_by(OpeningTicket.status))
    counts = dict(rows.all())
    queued = await session.scalars(select(OpeningTicket.position).where(
        OpeningTicket.lot_id == lot.id, OpeningTicket.status == "queued").order_by(OpeningTicket.position))
    # Positions, not buyers: each viewer finds their own place from the position of their ticket.
    return {"queued_positions": list(queued), "lot_id": lot.id, "sold": lot.sold, "left": lot.quantity - lot.sold,
            "waiting": sum(counts.get(s, 0) for s in WAITING), "opened": counts.get("opened", 0),
            "outcome_deducible": await outcome_deducible(session, lot)}


async def publish_queue(session: AsyncSession, lot: OpeningLot) -> None:
    """Tell the room how the line stands (counts only: places are each viewer's own)."""
    publish_on_commit(session, Event(lot.show_id, "opening.queue", await queue_counts(session, lot)))


async def list_queue(*, session: AsyncSession, lot: OpeningLot) -> list[tuple[OpeningTicket, str]]:
    """The waiting tickets in line order, with their buyers' names."""
    rows = await session.execute(select(OpeningTicket, User.display_name).join(User, User.id == OpeningTicket.buyer_id)
                                 .where(OpeningTicket.lot_id == lot.id, OpeningTicket.status.in_(WAITING))
                                 .order_by(OpeningTicket.position))
    return [(t, name) for t, name in rows.all()]


async def get_places(*, session: AsyncSession, show_id: int, user_id: int) -> list[dict]:
    """The user's waiting tickets in a show, each with its place in line (1 = next)."""
    places = []
    mine = await session.scalars(select(OpeningTicket).where(
        OpeningTicket.show_id == show_id, OpeningTicket.buyer_id == user_id,
        OpeningTicket.status == "queued").order_by(OpeningTicket.position))
    for ticket in mine:
        ahead = await session.scalar(select(func.count()).where(
            OpeningTicket.lot_id == ticket.lot_id, OpeningTicket.status == "queued",
            OpeningTicket.position < ticket.position))
        places.append({"ticket_id": ticket.id, "lot_id": ticket.lot_id, "position": ticket.position,
                       "place": ahead + 1})
    return places


async def list_audit(*, session: AsyncSession, lot: OpeningLot) -> list[dict]:
    """The lot's audit log, oldest first."""
    entries = await session.scalars(select(OpeningAudit).where(OpeningAudit.lot_id == lot.id).order_by(OpeningAudit.id))
    return [{"id": e.id, "ticket_id": e.ticket_id, "action": e.action, "data": e.data, "actor_id": e.actor_id,
             "at": e.created_at} for e in entries]
