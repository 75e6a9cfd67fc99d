"""What other areas call, in their own transaction, when something worth telling happens."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.notifications import fanout
from livestall.webhooks import events as webhook_events


async def on_show_transition(session: AsyncSession, show) -> None:
    """A show went live (followers are told, webhooks fire) or ended (webhooks fire)."""
    if show.status == "live":
        await fanout.enqueue_go_live(session, show)
        await webhook_events.show_event(session, "show.started", show)
    elif show.status == "ended":
        await webhook_events.show_event(session, "show.ended", show)


async def on_order_paid(session: AsyncSession, order) -> None:
    """An order was paid."""
    await webhook_events.order_event(session, "order.paid", order)


async def on_order_refunded(session: AsyncSession, order) -> None:
    """A paid order's money went back (cancelled after paying, or refunded)."""
    await webhook_events.order_event(session, "order.refunded", order)


async def on_opening_result(session: AsyncSession, lot, ticket) -> None:
    """A paid opening's outcome was recorded on camera."""
    await webhook_events.opening_event(session, lot, ticket)
