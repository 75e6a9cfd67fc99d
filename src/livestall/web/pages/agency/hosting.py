"""The host's own pages (bookings to accept or decline, training, statements) and the public application form."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ValidationError

from livestall.accounts.models import User
from livestall.agency import bookings, fees, training
from livestall.agency.access import get_agency
from livestall.agency.models import Agency, HostProfile
from livestall.agency.schemas import HostFields
from livestall.agency.service import do_apply, list_my_profiles
from livestall.db import SessionDep, utcnow
from livestall.errors import DomainError
from livestall.web.pages.agency.console import shows_by_id
from livestall.web.pages.agency.results import period_or_now
from livestall.web.pages.agency.shared import (
    HOST_FIELDS, LANGUAGE_CODES, form_errors, host_fields, host_localizer, month_date, shift_month,
)
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, redirect, render, require_user
from livestall.web.service import get_names

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def _agencies(session, profiles: list[HostProfile]) -> dict[int, Agency]:
    return {p.agency_id: await session.get(Agency, p.agency_id) for p in profiles}


async def bookings_context(page: Page, session, user: User, errors: dict | None = None) -> dict:
    profiles = {p.id: p for p in await list_my_profiles(session=session, user=user)}
    rows = await bookings.list_bookings(session=session, host_ids=list(profiles))
    shows = await shows_by_id(session, {b.show_id for b in rows})
    shop_names, _ = await get_names(session=session, shop_ids={s.shop_id for s in shows.values()})
    now = utcnow()
    entries = [{"booking": b, "host": profiles[b.host_id], "show": shows.get(b.show_id),
                "shop": shop_names.get(shows[b.show_id].shop_id, "") if b.show_id in shows else "",
                "host_time": host_localizer(page, profiles[b.host_id]).time(b.starts_at),
                "answerable": b.status == "proposed" and b.starts_at > now} for b in rows]
    courses = {}
    for profile in profiles.values():
        if profile.agency_id not in courses:
            courses[profile.agency_id] = await training.list_courses(session=session, agency_id=profile.agency_id)
    trainings = {p.id: await training.get_training(session=session, host=p) for p in profiles.values()}
    return {"tab": "bookings", "profiles": list(profiles.values()), "agencies": await _agencies(
        session, list(profiles.values())), "to_answer": [e for e in entries if e["answerable"]],
        "others": [e for e in entries if not e["answerable"]], "courses": courses, "trainings": trainings,
        "errors": errors or {}}


@router.get("/host/bookings")
async def my_bookings(page: PageDep, session: SessionDep):
    """The host's bookings (the ones to answer first), each in the viewer's and the host's time, and training."""
    user = require_user(page)
    return render(page, "agency/my_bookings.html", await bookings_context(page, session, user))


async def _answer(page: Page, session, booking_id: int, accept: bool):
    user = require_user(page)
    booking, host = await bookings.get_own_booking(session=session, booking_id=booking_id, user=user)
    try:
        async with session.begin_nested():
            await bookings.do_answer(session=session, booking=booking, host=host, accept=accept)
    except DomainError as exc:
        return render(page, "agency/my_bookings.html", await bookings_context(
            page, session, user, form_errors(page, exc)), status=exc.status)
    return redirect(page, f"/host/bookings?{'accepted' if accept else 'declined'}={booking.id}#booking-{booking.id}")


@router.post("/host/bookings/{booking_id}/accept")
async def accept(booking_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """The booked host accepts, and becomes the show's host."""
    return await _answer(page, session, booking_id, True)


@router.post("/host/bookings/{booking_id}/decline")
async def decline(booking_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """The booked host declines."""
    return await _answer(page, session, booking_id, False)


@router.get("/host/statements")
async def my_statements(page: PageDep, session: SessionDep, period: str = ""):
    """The host's own statements for a month, one per agency, also in the host's currency."""
    user = require_user(page)
    period = period_or_now(period)
    profiles = await list_my_profiles(session=session, user=user)
    statements = [(p, await fees.get_statement(session=session, host=p, period=period,
                                               fx_per_usd=page.settings.fx_per_usd)) for p in profiles]
    return render(page, "agency/my_statements.html", {
        "tab": "statements", "period": period, "statements": statements, "profiles": profiles,
        "agencies": await _agencies(session, profiles), "month": month_date(period), "previous": shift_month(period, -1),
        "next": shift_month(period, 1)})


# -- the public application form ----------------------------------------------------------------

def _apply_values(page: Page) -> dict:
    user = page.user
    tz = getattr(page.l10n.tz, "key", "UTC")
    if user is None:
        return {"timezone": tz, "languages": [page.lang]}
    return {"display_name": user.display_name, "email": user.email, "country": user.country or "", "timezone": tz,
            "languages": [user.language]}


@router.get("/agencies/{agency_id}/apply")
async def apply_page(agency_id: int, page: PageDep, session: SessionDep, sent: int = 0):
    """Anyone: the form to apply to become one of the agency's hosts."""
    agency = await get_agency(session=session, agency_id=agency_id)
    return render(page, "agency/apply.html", {"agency": agency, "values": _apply_values(page), "errors": {},
                                              "sent": bool(sent), "language_codes": LANGUAGE_CODES})


@router.post("/agencies/{agency_id}/apply")
async def apply(agency_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Send an application; on bad input, the form again with its errors and what was typed."""
    agency = await get_agency(session=session, agency_id=agency_id)
    try:
        await do_apply(session=session, agency=agency, fields=HostFields(**host_fields(form)), user=page.user)
    except (ValidationError, DomainError) as exc:
        values = {**form.values(*HOST_FIELDS), "languages": form.getlist("languages")}
        return render(page, "agency/apply.html", {"agency": agency, "values": values, "sent": False,
                                                  "errors": form_errors(page, exc),
                                                  "language_codes": LANGUAGE_CODES}, status=422)
    return redirect(page, f"/agencies/{agency.id}/apply?sent=1")
