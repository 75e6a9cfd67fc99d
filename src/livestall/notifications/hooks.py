"""What other areas call, in their own transaction, when something worth telling happens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Shop
from livestall.db import utcnow
from livestall.notifications import fanout
from livestall.notifications.models import Notification
from livestall.webhooks import events as webhook_events


async def on_show_transition(session: AsyncSession, show) -> None:
    """A show went live (followers are told, webhooks fire) or ended (webhooks fire)."""
    if show.status == "live":
        await fanout.enqueue_go_live(session, show)
        await webhook_events.show_event(session, "show.started", show)
    elif show.status == "ended":
        await webhook_events.show_event(session, "show.ended", show)


async def on_show_starting_soon(session: AsyncSession, show) -> None:
    """A scheduled show starts soon and viewers asked to be reminded: their fan-out is queued."""
    await fanout.enqueue_reminder(session, show)


async def on_order_paid(session: AsyncSession, order) -> None:
    """An order was paid."""
    await webhook_events.order_event(session, "order.paid", order)


async def on_order_refunded(session: AsyncSession, order) -> None:
    """A paid order's money went back (cancelled after paying, or refunded)."""
    await webhook_events.order_event(session, "order.refunded", order)


async def on_opening_result(session: AsyncSession, lot, ticket) -> None:
    """A paid opening's outcome was recorded on camera."""
    await webhook_events.opening_event(session, lot, ticket)


async def on_host_invited(session: AsyncSession, show, invitation) -> None:
    """A shop asked someone to host its show: it shows in their feed until they answer in the studio."""
    shop = await session.get(Shop, show.shop_id)
    data = {"title": show.title, "shop_id": show.shop_id, "shop_name": shop.name if shop else "",
            "scheduled_at": show.scheduled_at.isoformat(), "invitation_id": invitation.id}
    # One row per (show, kind, user): asked again after a "no", the same row comes back unread.
    row = await session.scalar(select(Notification).where(Notification.show_id == show.id,
                                                          Notification.kind == "host_invite",
                                                          Notification.user_id == invitation.user_id))
    if row is None:
        session.add(Notification(user_id=invitation.user_id, kind="host_invite", show_id=show.id, data=data,
                                 in_app=True))
    else:
        row.data, row.read_at, row.created_at = data, None, utcnow()
    await session.flush()
