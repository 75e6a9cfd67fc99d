"""What other areas call, in their own transaction, when something worth telling happens."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Shop
from livestall.db import utcnow
from livestall.notifications import fanout, lookups
from livestall.notifications.models import Notification
from livestall.notifications.personal import notify
from livestall.settings import get_settings
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


async def _order_data(session: AsyncSession, order) -> dict:
    return {"order_id": order.id, "ref": order.ref, "quantity": order.quantity,
            "product": await lookups.product_title(session, order.product_id), "shop_id": order.shop_id,
            "shop_name": await lookups.shop_name(session, order.shop_id), "amount_minor": order.total_minor,
            "currency": order.currency, "path": f"/account/orders#order-{order.id}"}


async def _tell_buyer(session: AsyncSession, kind: str, order, **extra) -> None:
    data = {**await _order_data(session, order), **extra}
    await notify(session, user_id=order.buyer_id, kind=kind, subject="order_id", subject_id=order.id, data=data)


async def on_order_paid(session: AsyncSession, order) -> None:
    """An order was paid: the buyer is told, and so are the shop's owners (a new sale)."""
    await webhook_events.order_event(session, "order.paid", order)
    await _tell_buyer(session, "order_paid", order)
    data = {**await _order_data(session, order), "path": f"/manage/shops/{order.shop_id}#order-{order.id}"}
    for owner_id in await lookups.shop_owners(session, order.shop_id):
        await notify(session, user_id=owner_id, kind="order_sold", subject="order_id", subject_id=order.id, data=data)


async def on_order_shipped(session: AsyncSession, order) -> None:
    """The shop sent a paid order: the buyer gets its tracking number and a link to follow the parcel."""
    number = order.tracking_number or ""
    await _tell_buyer(session, "order_shipped", order, tracking_number=number,
                      carrier=getattr(order, "carrier", None) or "",  # the carrier the shop named, if any
                      tracking_url=get_settings().parcel_tracking_url.format(number=quote(number)) if number else "")


async def on_order_delivered(session: AsyncSession, order) -> None:
    """A shipped order arrived."""
    await _tell_buyer(session, "order_delivered", order)


async def on_order_refunded(session: AsyncSession, order) -> None:
    """A paid order's money went back (cancelled after paying, or refunded)."""
    await webhook_events.order_event(session, "order.refunded", order)
    await _tell_buyer(session, "order_refunded", order)


async def _booking_data(session: AsyncSession, booking) -> tuple[int | None, dict]:
    """The booked host's user id, and what a booking's notifications say about it."""
    host_user_id, host_name = await lookups.host_of(session, booking.host_id)
    show = await lookups.show_of(session, booking.show_id)
    return host_user_id, {
        "booking_id": booking.id, "show_id": booking.show_id, "title": show["title"], "host": host_name,
        "agency": await lookups.agency_name(session, booking.agency_id), "agency_id": booking.agency_id,
        "shop_name": await lookups.shop_name(session, show["shop_id"]), "starts_at": booking.starts_at.isoformat()}


async def _tell_about_booking(session: AsyncSession, booking, kind: str, user_id: int | None, data: dict,
                              path: str) -> None:
    await notify(session, user_id=user_id, kind=kind, subject="booking_id", subject_id=booking.id,
                 data={**data, "path": path})


async def on_booking_offered(session: AsyncSession, booking) -> None:
    """An agency booked a host onto a show: the host is asked to accept or decline."""
    host_user_id, data = await _booking_data(session, booking)
    await _tell_about_booking(session, booking, "booking_offered", host_user_id, data,
                              f"/host/bookings#booking-{booking.id}")


async def on_booking_answered(session: AsyncSession, booking) -> None:
    """The host accepted (the agency and the brand are told) or declined (the agency is told) a booking."""
    _host, data = await _booking_data(session, booking)
    agency_path = f"/agency/{booking.agency_id}/bookings#booking-{booking.id}"
    if booking.status != "accepted":
        await _tell_about_booking(session, booking, "booking_declined", booking.booked_by_id, data, agency_path)
        return
    await _tell_about_booking(session, booking, "booking_accepted", booking.booked_by_id, data, agency_path)
    shop_id = (await lookups.show_of(session, booking.show_id))["shop_id"]
    for owner_id in await lookups.shop_owners(session, shop_id):
        await _tell_about_booking(session, booking, "booking_accepted", owner_id, data,
                                  f"/studio/shows/{booking.show_id}")


async def on_booking_cancelled(session: AsyncSession, booking) -> None:
    """The agency withdrew a booking: the host is told, and the brand too if the host had said yes."""
    host_user_id, data = await _booking_data(session, booking)
    await _tell_about_booking(session, booking, "booking_cancel", host_user_id, data,
                              f"/host/bookings#booking-{booking.id}")
    if booking.accepted_at is not None:
        shop_id = (await lookups.show_of(session, booking.show_id))["shop_id"]
        for owner_id in await lookups.shop_owners(session, shop_id):
            await _tell_about_booking(session, booking, "booking_cancel", owner_id, data,
                                      f"/studio/shows/{booking.show_id}")


def _ticket_data(lot, ticket) -> dict:
    return {"ticket_id": ticket.id, "lot_id": lot.id, "lot": lot.title, "show_id": lot.show_id,
            "path": f"/account/openings#ticket-{ticket.id}"}


async def on_opening_result(session: AsyncSession, lot, ticket) -> None:
    """A paid opening's outcome was recorded on camera: webhooks fire and the buyer is told what was inside."""
    await webhook_events.opening_event(session, lot, ticket)
    outcome = ticket.outcome or {}
    await notify(session, user_id=ticket.buyer_id, kind="opening_result", subject="ticket_id", subject_id=ticket.id,
                 data={**_ticket_data(lot, ticket), "pearl_count": outcome.get("pearl_count"),
                       "summary": outcome.get("summary", "")})


async def on_opening_turn(session: AsyncSession, lot) -> None:
    """The line of a lot moved: whoever is now first is told, once per ticket, to come and watch."""
    first = await lookups.first_in_line(session, lot.id)
    if first is None:
        return
    ticket_id, buyer_id = first
    await notify(session, user_id=buyer_id, kind="opening_turn", subject="ticket_id", subject_id=ticket_id,
                 data={"ticket_id": ticket_id, "lot_id": lot.id, "lot": lot.title, "show_id": lot.show_id,
                       "path": f"/shows/{lot.show_id}"})


async def on_opening_refunded(session: AsyncSession, lot, ticket) -> None:
    """A lot closed before a ticket was opened, and its price went back to the buyer's wallet."""
    await notify(session, user_id=ticket.buyer_id, kind="opening_refunded", subject="ticket_id",
                 subject_id=ticket.id, data={**_ticket_data(lot, ticket), "amount_minor": ticket.price_minor,
                                             "currency": ticket.currency})


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
        # In the feed only: the studio is where it is answered.
        session.add(Notification(user_id=invitation.user_id, kind="host_invite", show_id=show.id, data=data,
                                 in_app=True, dispatched_at=utcnow()))
    else:
        row.data, row.read_at, row.created_at = data, None, utcnow()
    await session.flush()
