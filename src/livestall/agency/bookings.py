"""Brands' requests for hosts, and bookings of hosts onto shows with conflict checks across time zones."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.agency.access import get_host
from livestall.agency.models import Booking, BookingRequest, HostProfile
from livestall.agency.schemas import BookingCreate, BookingRead, RequestCreate
from livestall.catalog.models import Shop
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, Forbidden, Invalid
from livestall.notifications import hooks as notification_hooks
from livestall.shows.models import Show

LIVE_STATUSES = ("proposed", "accepted")  # bookings that hold the host's time
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


async def do_request_host(*, session: AsyncSession, agency_id: int, requester: User,
                          request_in: RequestCreate) -> BookingRequest:
    """A shop asks the agency for a host by language, market and date."""
    shop = await session.get(Shop, request_in.shop_id)
    if shop is None:
        raise Invalid.field("shop_id", "existing_shop", f"no shop {request_in.shop_id}")
    if shop.member_role(requester.id) is None:
        raise Forbidden("only the shop's owners and staff request hosts for it")
    if request_in.show_id is not None:
        show = await session.get(Show, request_in.show_id)
        if show is None or show.shop_id != shop.id:
            raise Invalid.field("show_id", "shop_show", f"no show {request_in.show_id} of this shop")
    if request_in.host_id is not None:
        host = await session.get(HostProfile, request_in.host_id)
        if host is None or host.agency_id != agency_id or host.stage != "active" or host.certified_at is None:
            raise Invalid.field("host_id", "roster_host", f"no bookable host {request_in.host_id} in this agency")
    row = BookingRequest(shop_id=shop.id, agency_id=agency_id, requested_by_id=requester.id,
                         host_id=request_in.host_id,
                         language=request_in.language, market=request_in.market, date=request_in.date.isoformat(),
                         show_id=request_in.show_id, note=request_in.note)
    session.add(row)
    await session.flush()
    return row


async def list_requests(*, session: AsyncSession, agency_id: int, status: str | None = None) -> list[BookingRequest]:
    """The requests brands have sent the agency."""
    query = select(BookingRequest).where(BookingRequest.agency_id == agency_id)
    if status:
        query = query.where(BookingRequest.status == status)
    return list(await session.scalars(query.order_by(BookingRequest.date, BookingRequest.id)))


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def availability_problem(host: HostProfile, starts_at: datetime, ends_at: datetime) -> str | None:
    """Why [starts_at, ends_at) falls outside the host's working hours in their own time zone, or None."""
    hours = host.availability or {}
    days = hours.get("days", list(range(7)))
    start, end = _minutes(hours.get("from", "00:00")), _minutes(hours.get("to", "00:00"))
    length = timedelta(minutes=(end - start) % (24 * 60) or 24 * 60)
    if length == timedelta(days=1) and len(set(days)) == 7:
        return None  # available around the clock
    local_start = _local(starts_at, host.timezone).replace(tzinfo=None)
    local_end = _local(ends_at, host.timezone).replace(tzinfo=None)
    # a window that spans midnight (22:00-02:00) belongs to the day it opens on, so look at yesterday's too
    for back in (0, 1):
        day = (local_start - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)
        opens = day + timedelta(minutes=start)
        if day.weekday() in days and opens <= local_start and local_end <= opens + length:
            return None
    return (f"the show runs {local_start:%H:%M}-{local_end:%H:%M} on {DAYS[local_start.weekday()]} "
            f"in {host.timezone}, outside the host's hours {hours.get('from', '00:00')}-{hours.get('to', '00:00')} "
            f"on {', '.join(DAYS[d][:3] for d in sorted(days)) or 'no day'}")


async def do_book(*, session: AsyncSession, host: HostProfile, booker: User, booking_in: BookingCreate) -> Booking:
    """Book a certified, active host onto a scheduled show; double bookings and off-hours shows are refused."""
    if host.certified_at is None:
        raise Conflict.field("host_id", "certified", f"{host.display_name} has not completed training")
    if host.stage != "active":
        raise Conflict.field("host_id", "active_stage", f"{host.display_name} is {host.stage}, not active")
    if host.user_id is None:
        raise Conflict.field("host_id", "has_account", f"{host.display_name} has no Livestall account to accept with")
    show = await session.get(Show, booking_in.show_id)
    if show is None:
        raise Invalid.field("show_id", "existing_show", f"no show {booking_in.show_id}")
    if show.status != "scheduled" or show.scheduled_at <= utcnow():
        raise Conflict.field("show_id", "upcoming_show", f"show {show.id} is {show.status}, not upcoming")
    if show.language not in host.languages:
        raise Conflict.field("host_id", "speaks_language", f"{host.display_name} does not present in {show.language}")
    request = None
    if booking_in.request_id is not None:
        request = await session.get(BookingRequest, booking_in.request_id)
        if request is None or request.agency_id != host.agency_id or request.shop_id != show.shop_id:
            raise Invalid.field("request_id", "matching_request", "no such request of this show's shop to this agency")
        if request.status != "open":
            raise Conflict.field("request_id", "open_request", f"request {request.id} is {request.status}")
    taken = await session.scalar(select(Booking).where(Booking.show_id == show.id,
                                                       Booking.status.in_(LIVE_STATUSES)))
    if taken is not None:
        raise Conflict.field("show_id", "one_host_per_show", f"show {show.id} already has booking {taken.id}")
    starts_at = show.scheduled_at
    ends_at = starts_at + timedelta(minutes=booking_in.duration_minutes)
    # the same person may work for two agencies: their time is one
    same_person = select(HostProfile.id).where(HostProfile.user_id == host.user_id)
    clash = await session.scalar(select(Booking).where(
        Booking.host_id.in_(same_person), Booking.status.in_(LIVE_STATUSES),
        Booking.starts_at < ends_at, Booking.ends_at > starts_at).order_by(Booking.starts_at))
    if clash is not None:
        raise Conflict.field(
            "starts_at", "no_double_booking",
            f"{host.display_name} is already booked from {_local(clash.starts_at, host.timezone):%Y-%m-%d %H:%M} "
            f"to {_local(clash.ends_at, host.timezone):%H:%M} {host.timezone} (booking {clash.id})")
    problem = availability_problem(host, starts_at, ends_at)
    if problem:
        raise Conflict.field("starts_at", "host_availability", problem)
    booking = Booking(agency_id=host.agency_id, host_id=host.id, show_id=show.id, starts_at=starts_at,
                      ends_at=ends_at, fee_minor=host.fee_minor, fee_currency=host.fee_currency,
                      commission_bp=host.commission_bp, booked_by_id=booker.id,
                      request_id=request.id if request else None)
    session.add(booking)
    if request is not None:
        request.status, request.show_id = "booked", show.id
    await session.flush()
    await notification_hooks.on_booking_offered(session, booking)
    return booking


async def get_booking(*, session: AsyncSession, booking_id: int) -> Booking:
    """The booking with this id, or NotFound."""
    return await get_or_404(session, Booking, booking_id)


async def get_own_booking(*, session: AsyncSession, booking_id: int, user: User) -> tuple[Booking, HostProfile]:
    """A booking and its host, for the booked host alone (who accepts or declines it)."""
    booking = await get_booking(session=session, booking_id=booking_id)
    host = await get_host(session=session, host_id=booking.host_id)
    if host.user_id != user.id:
        raise Forbidden("only the booked host answers a booking")
    return booking, host


async def do_answer(*, session: AsyncSession, booking: Booking, host: HostProfile, accept: bool) -> Booking:
    """The host accepts (and becomes the show's host) or declines a proposed booking."""
    if booking.status != "proposed":
        raise Conflict.field("status", "proposed", f"a {booking.status} booking cannot be answered")
    if accept:
        show = await session.get(Show, booking.show_id)
        if show is None or show.status != "scheduled":
            raise Conflict.field("show_id", "upcoming_show", "the show is no longer upcoming")
        booking.status, booking.accepted_at = "accepted", utcnow()
        show.host_id = host.user_id
    else:
        booking.status = "declined"
    await session.flush()
    await notification_hooks.on_booking_answered(session, booking)
    return booking


async def do_cancel(*, session: AsyncSession, booking: Booking) -> Booking:
    """The agency withdraws a booking that has not happened yet."""
    if booking.status not in LIVE_STATUSES:
        raise Conflict.field("status", "cancellable", f"a {booking.status} booking cannot be cancelled")
    booking.status = "cancelled"
    await session.flush()
    await notification_hooks.on_booking_cancelled(session, booking)
    return booking


async def list_bookings(*, session: AsyncSession, agency_id: int | None = None, host_ids: list[int] | None = None,
                        status: str | None = None, starts_from: datetime | None = None,
                        starts_before: datetime | None = None) -> list[Booking]:
    """Bookings of an agency, or of some hosts, by start time; optionally only those starting in a window."""
    query = select(Booking)
    if agency_id is not None:
        query = query.where(Booking.agency_id == agency_id)
    if host_ids is not None:
        query = query.where(Booking.host_id.in_(host_ids))
    if status:
        query = query.where(Booking.status == status)
    if starts_from is not None:
        query = query.where(Booking.starts_at >= starts_from)
    if starts_before is not None:
        query = query.where(Booking.starts_at < starts_before)
    return list(await session.scalars(query.order_by(Booking.starts_at, Booking.id)))


def booking_read(booking: Booking, host: HostProfile | None) -> BookingRead:
    """The API view of a booking, with its start in the host's own time zone."""
    read = BookingRead.model_validate(booking)
    if host is not None:
        read.host_local_start = _local(booking.starts_at, host.timezone).isoformat()
    return read
