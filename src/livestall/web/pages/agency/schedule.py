"""The agency's pipeline board and bookings calendar (in the viewer's time zone), and withdrawing a booking."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fastapi import APIRouter

from livestall.agency import bookings, service
from livestall.agency.access import check_agency_admin
from livestall.agency.attendance import get_attendance
from livestall.agency.models import Agency
from livestall.db import SessionDep, utcnow
from livestall.errors import DomainError, Invalid
from livestall.validation import date_problem
from livestall.web.pages.agency.console import board_context, shows_by_id
from livestall.web.pages.agency.shared import admin_agency, form_errors, host_localizer
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, redirect, render, require_user
from livestall.web.service import get_names

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/agency/{agency_id}/pipeline")
async def pipeline(agency_id: int, page: PageDep, session: SessionDep):
    """The recruiting pipeline as a board: applications by stage, each with the moves it allows."""
    agency = await admin_agency(session, agency_id, require_user(page))
    return render(page, "agency/pipeline.html", await board_context(session, agency))


def week_start(page: Page, week: str) -> date:
    """The Monday of the week holding `week` (a date), else of this week, in the viewer's time zone."""
    try:
        day = date.fromisoformat(week)
    except ValueError:
        day = datetime.now(page.l10n.tz).date()
    if date_problem(day):  # a week near year 1 or 9999 would overflow the calendar's arithmetic
        raise Invalid.field("week", *date_problem(day))
    return day - timedelta(days=day.weekday())


async def calendar_context(page: Page, session, agency: Agency, monday: date, errors: dict | None = None) -> dict:
    tz = page.l10n.tz
    start = datetime.combine(monday, time(), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=tz)
    rows = await bookings.list_bookings(session=session, agency_id=agency.id, starts_from=start, starts_before=end)
    hosts = {h.id: h for h in await service.list_hosts(session=session, agency_id=agency.id)}
    shows = await shows_by_id(session, {b.show_id for b in rows})
    attendance = {a.booking_id: a for a in await get_attendance(
        session=session, bookings=[b for b in rows if b.status == "accepted"])}
    now = utcnow()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        entries = []
        for b in rows:
            if b.starts_at.astimezone(tz).date() != day:
                continue
            host = hosts.get(b.host_id)
            entries.append({"booking": b, "host": host, "show": shows.get(b.show_id),
                            "host_time": host_localizer(page, host).time(b.starts_at) if host else "",
                            "attendance": attendance.get(b.id),
                            "cancellable": b.status in bookings.LIVE_STATUSES and b.starts_at > now})
        days.append({"date": day, "entries": entries, "today": day == datetime.now(tz).date()})
    requests = await bookings.list_requests(session=session, agency_id=agency.id, status="open")
    shop_names, _ = await get_names(session=session, shop_ids={r.shop_id for r in requests})
    return {"agency": agency, "tab": "bookings", "days": days, "monday": monday,
            "this_week": datetime.now(tz).date().isoformat(),
            "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7),
            "requests": requests, "shop_names": shop_names, "hosts": hosts, "errors": errors or {}}


async def next_booking_week(page: Page, session, agency: Agency) -> str:
    """The day of the agency's next booking still to come (in the viewer's time zone), else today."""
    upcoming = await bookings.list_bookings(session=session, agency_id=agency.id, starts_from=utcnow())
    live = [b for b in upcoming if b.status in bookings.LIVE_STATUSES]
    return live[0].starts_at.astimezone(page.l10n.tz).date().isoformat() if live else ""


@router.get("/agency/{agency_id}/bookings")
async def calendar(agency_id: int, page: PageDep, session: SessionDep, week: str = ""):
    """A week of bookings, day by day in the viewer's time zone, with each host's own local time; it opens on the
    week of the next booking."""
    agency = await admin_agency(session, agency_id, require_user(page))
    monday = week_start(page, week or await next_booking_week(page, session, agency))
    return render(page, "agency/bookings.html", await calendar_context(page, session, agency, monday))


@router.post("/agency/bookings/{booking_id}/cancel")
async def cancel_booking(booking_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """The agency withdraws a booking that has not happened yet."""
    booking = await bookings.get_booking(session=session, booking_id=booking_id)
    await check_agency_admin(session=session, agency_id=booking.agency_id, user=require_user(page))
    monday = week_start(page, booking.starts_at.astimezone(page.l10n.tz).date().isoformat())
    try:
        async with session.begin_nested():
            await bookings.do_cancel(session=session, booking=booking)
    except DomainError as exc:
        agency = await session.get(Agency, booking.agency_id)
        return render(page, "agency/bookings.html", await calendar_context(
            page, session, agency, monday, form_errors(page, exc)), status=exc.status)
    return redirect(page, f"/agency/{booking.agency_id}/bookings?week={monday.isoformat()}#booking-{booking.id}")
