"""HTTP routes for brands' host requests and for bookings of hosts onto shows."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.accounts.deps import CurrentUser
from livestall.agency import bookings
from livestall.agency.access import check_agency_admin, get_agency, get_host, get_managed_host
from livestall.agency.attendance import AttendanceRead, get_attendance
from livestall.agency.models import BOOKING_STATUSES, REQUEST_STATUSES
from livestall.agency.schemas import BookingCreate, BookingRead, RequestCreate, RequestRead
from livestall.agency.service import list_hosts, list_my_profiles
from livestall.db import SessionDep
from livestall.errors import Invalid

router = APIRouter(prefix="/api/v1", tags=["agency"])


def _status(value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise Invalid.field("status", "known_status", f"must be one of {', '.join(allowed)}")
    return value


@router.post("/agencies/{agency_id}/requests", status_code=201, response_model=RequestRead)
async def request_host(agency_id: int, request_in: RequestCreate, user: CurrentUser, session: SessionDep):
    """A shop's owners and staff: ask the agency for a host by language, market and date."""
    await get_agency(session=session, agency_id=agency_id)
    return await bookings.do_request_host(session=session, agency_id=agency_id, requester=user,
                                          request_in=request_in)


@router.get("/agencies/{agency_id}/requests", response_model=list[RequestRead])
async def list_requests(agency_id: int, user: CurrentUser, session: SessionDep, status: str | None = None):
    """The agency's admins: requests from brands."""
    await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    return await bookings.list_requests(session=session, agency_id=agency_id,
                                        status=_status(status, REQUEST_STATUSES))


@router.post("/hosts/{host_id}/bookings", status_code=201, response_model=BookingRead)
async def book_host(host_id: int, booking_in: BookingCreate, user: CurrentUser, session: SessionDep):
    """The agency's admins: book a host onto a show; the host then accepts or declines."""
    if booking_in.host_id != host_id:
        raise Invalid.field("host_id", "matches_path", "must be the host in the path")
    host = await get_managed_host(session=session, host_id=host_id, user=user)
    booking = await bookings.do_book(session=session, host=host, booker=user, booking_in=booking_in)
    return bookings.booking_read(booking, host)


@router.get("/agencies/{agency_id}/bookings", response_model=list[BookingRead])
async def list_agency_bookings(agency_id: int, user: CurrentUser, session: SessionDep, status: str | None = None):
    """The agency's admins: all bookings, by start time, with each host's local start."""
    await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    rows = await bookings.list_bookings(session=session, agency_id=agency_id,
                                        status=_status(status, BOOKING_STATUSES))
    hosts = {h.id: h for h in await list_hosts(session=session, agency_id=agency_id)}  # a booking's host is theirs
    return [bookings.booking_read(b, hosts.get(b.host_id)) for b in rows]


@router.get("/me/bookings", response_model=list[BookingRead])
async def my_bookings(user: CurrentUser, session: SessionDep, status: str | None = None):
    """Hosts: your bookings, to accept or decline."""
    profiles = {p.id: p for p in await list_my_profiles(session=session, user=user)}
    rows = await bookings.list_bookings(session=session, host_ids=list(profiles),
                                        status=_status(status, BOOKING_STATUSES))
    return [bookings.booking_read(b, profiles.get(b.host_id)) for b in rows]


@router.post("/bookings/{booking_id}/accept", response_model=BookingRead)
async def accept_booking(booking_id: int, user: CurrentUser, session: SessionDep):
    """The booked host: accept, and become the show's host."""
    booking, host = await bookings.get_own_booking(session=session, booking_id=booking_id, user=user)
    return bookings.booking_read(await bookings.do_answer(session=session, booking=booking, host=host, accept=True),
                                 host)


@router.post("/bookings/{booking_id}/decline", response_model=BookingRead)
async def decline_booking(booking_id: int, user: CurrentUser, session: SessionDep):
    """The booked host: decline."""
    booking, host = await bookings.get_own_booking(session=session, booking_id=booking_id, user=user)
    return bookings.booking_read(await bookings.do_answer(session=session, booking=booking, host=host, accept=False),
                                 host)


@router.post("/bookings/{booking_id}/cancel", response_model=BookingRead)
async def cancel_booking(booking_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins: withdraw a booking."""
    booking = await bookings.get_booking(session=session, booking_id=booking_id)
    await check_agency_admin(session=session, agency_id=booking.agency_id, user=user)
    host = await get_host(session=session, host_id=booking.host_id)
    return bookings.booking_read(await bookings.do_cancel(session=session, booking=booking), host)


@router.get("/agencies/{agency_id}/attendance", response_model=list[AttendanceRead])
async def agency_attendance(agency_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins: attendance of every accepted booking, from the shows' publish sessions."""
    await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    rows = await bookings.list_bookings(session=session, agency_id=agency_id, status="accepted")
    return await get_attendance(session=session, bookings=rows)


@router.get("/me/attendance", response_model=list[AttendanceRead])
async def my_attendance(user: CurrentUser, session: SessionDep):
    """Hosts: attendance of your accepted bookings."""
    profiles = await list_my_profiles(session=session, user=user)
    rows = await bookings.list_bookings(session=session, host_ids=[p.id for p in profiles], status="accepted")
    return await get_attendance(session=session, bookings=rows)
