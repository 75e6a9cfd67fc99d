"""Webhook events: who is told (the shop, and the agencies with a host booked on the show) and what they read."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.agency.models import Booking
from livestall.db import utcnow
from livestall.events import STRICT
from livestall.events.catalog import WEBHOOK_EVENTS
from livestall.shows.models import Show
from livestall.webhooks.models import WebhookDelivery, WebhookEndpoint

LIVE_BOOKINGS = ("accepted",)  # a host the agency booked and who said yes


async def enqueue(session: AsyncSession, event: str, *, shop_id: int, show_id: int | None, data: dict) -> int:
    """One pending delivery of `event` per active endpoint that asked for it; how many were queued."""
    # The name always (a misspelt one would be queued for nobody, silently); the payload where tests run.
    WEBHOOK_EVENTS.check(event, data if STRICT else None)
    owners = [(WebhookEndpoint.owner_kind == "shop") & (WebhookEndpoint.owner_id == shop_id)]
    if show_id is not None:
        agencies = select(Booking.agency_id).where(Booking.show_id == show_id, Booking.status.in_(LIVE_BOOKINGS))
        owners.append((WebhookEndpoint.owner_kind == "agency") & WebhookEndpoint.owner_id.in_(agencies))
    endpoints = await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active, or_(*owners)))
    now = utcnow()
    event_id = f"evt_{uuid.uuid4().hex}"
    payload = {"id": event_id, "type": event, "created_at": now.isoformat(), "data": data}
    queued = 0
    for endpoint in endpoints:
        if event in (endpoint.events or []):
            session.add(WebhookDelivery(endpoint_id=endpoint.id, event=event, event_id=event_id, payload=payload,
                                        next_attempt_at=now, log=[]))
            queued += 1
    return queued


def _show(show: Show) -> dict:
    return {"show_id": show.id, "shop_id": show.shop_id, "host_id": show.host_id, "title": show.title,
            "status": show.status, "language": show.language, "market": show.market,
            "started_at": show.started_at.isoformat() if show.started_at else None,
            "ended_at": show.ended_at.isoformat() if show.ended_at else None}


async def show_event(session: AsyncSession, event: str, show: Show) -> int:
    """show.started or show.ended."""
    return await enqueue(session, event, shop_id=show.shop_id, show_id=show.id, data=_show(show))


async def order_event(session: AsyncSession, event: str, order) -> int:
    """order.paid or order.refunded."""
    data = {"order_id": order.id, "ref": order.ref, "shop_id": order.shop_id, "show_id": order.show_id,
            "product_id": order.product_id, "quantity": order.quantity, "total_minor": order.total_minor,
            "currency": order.currency, "status": order.status, "payment_provider": order.payment_provider}
    return await enqueue(session, event, shop_id=order.shop_id, show_id=order.show_id, data=data)


async def opening_event(session: AsyncSession, lot, ticket) -> int:
    """opening.result: what was inside a ticket's oyster or mystery item."""
    data = {"lot_id": lot.id, "ticket_id": ticket.id, "show_id": lot.show_id, "kind": lot.kind,
            "buyer_id": ticket.buyer_id, "outcome": ticket.outcome,
            "opened_at": ticket.opened_at.isoformat() if ticket.opened_at else None}
    return await enqueue(session, "opening.result", shop_id=lot.shop_id, show_id=lot.show_id, data=data)
