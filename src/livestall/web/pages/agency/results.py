"""The agency's money and results: statements per host per month, paying a held show, scorecards."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.agency import bookings, fees, payables, scorecards, service
from livestall.agency.access import check_agency_admin
from livestall.agency.models import SHORT_SHOW_RULES, Agency
from livestall.db import SessionDep, utcnow
from livestall.errors import DomainError
from livestall.web.pages.agency.shared import admin_agency, form_errors, month_date, month_of, shift_month
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, redirect, render, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def period_or_now(period: str) -> str:
    """A YYYY-MM period, this month when none is asked for (statements are kept by UTC month)."""
    if not period:
        return month_of(utcnow())
    fees.period_bounds(period)  # a bad one is a 422 page naming `period`, as the API answers
    return period


async def statements_context(page: Page, session, agency: Agency, period: str, errors: dict | None = None) -> dict:
    start, end = fees.period_bounds(period)
    # only hosts with an accepted booking in the month can have earned anything in it
    booked = {b.host_id for b in await bookings.list_bookings(session=session, agency_id=agency.id, status="accepted",
                                                              starts_from=start, starts_before=end)}
    statements = []
    for host in await service.list_hosts(session=session, agency_id=agency.id):
        if host.id not in booked:
            continue
        statement = await fees.get_statement(session=session, host=host, period=period,
                                             fx_per_usd=page.settings.fx_per_usd)
        if statement.lines:
            statements.append((host, statement))
    return {"agency": agency, "tab": "statements", "period": period, "statements": statements,
            "month": month_date(period), "previous": shift_month(period, -1), "next": shift_month(period, 1),
            "rules": SHORT_SHOW_RULES, "payables": await payables.list_payables(session=session, agency_id=agency.id),
            "errors": errors or {}}


@router.get("/agency/{agency_id}/statements")
async def statements(agency_id: int, page: PageDep, session: SessionDep, period: str = ""):
    """Each host's statement for a month: fee and commission per held show, totals, paid or not."""
    agency = await admin_agency(session, agency_id, require_user(page))
    return render(page, "agency/statements.html", await statements_context(page, session, agency,
                                                                           period_or_now(period)))


async def _payout(page: Page, session, booking_id: int, action: str):
    """Pay, release or cancel a held show's payout; a refusal is shown on the month's statements."""
    user = require_user(page)
    booking = await bookings.get_booking(session=session, booking_id=booking_id)
    await check_agency_admin(session=session, agency_id=booking.agency_id, user=user)
    period = month_of(booking.starts_at)
    try:
        async with session.begin_nested():
            if action == "cancel":
                await fees.do_cancel_held(session=session, booking=booking)
            else:
                await fees.do_pay_booking(session=session, booking=booking, paid_by_id=user.id,
                                          release=action == "release")
    except DomainError as exc:
        agency = await session.get(Agency, booking.agency_id)
        await session.refresh(booking)
        return render(page, "agency/statements.html", await statements_context(
            page, session, agency, period, form_errors(page, exc)), status=exc.status)
    return redirect(page, f"/agency/{booking.agency_id}/statements?period={period}#booking-{booking.id}")


@router.post("/agency/bookings/{booking_id}/payout")
async def pay_booking(booking_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Pay a held show through the ledger under the agency's short-show rule (a short one may be held instead)."""
    return await _payout(page, session, booking_id, "pay")


@router.post("/agency/bookings/{booking_id}/payout/release")
async def release_payout(booking_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Pay a payout held for review, in full."""
    return await _payout(page, session, booking_id, "release")


@router.post("/agency/bookings/{booking_id}/payout/cancel")
async def cancel_payout(booking_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Cancel a payout held for review: nothing is paid for the show."""
    return await _payout(page, session, booking_id, "cancel")


@router.post("/agency/{agency_id}/payout-rule")
async def set_payout_rule(agency_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """The agency's rule for short shows: pay in full, pay pro rata, or hold for review."""
    agency = await admin_agency(session, agency_id, require_user(page))
    period = form.get("period") or ""
    try:
        async with session.begin_nested():
            await fees.do_set_short_show_rule(session=session, agency=agency, rule=form.get("short_show_rule"))
    except DomainError as exc:
        await session.refresh(agency)
        return render(page, "agency/statements.html", await statements_context(
            page, session, agency, period_or_now(period), form_errors(page, exc)), status=exc.status)
    return redirect(page, f"/agency/{agency.id}/statements?period={period_or_now(period)}&rule=saved#payout-rule")


@router.get("/agency/{agency_id}/scorecards")
async def scorecard_page(agency_id: int, page: PageDep, session: SessionDep):
    """A scorecard per host and the agency's own, each by market; the CSV export."""
    agency = await admin_agency(session, agency_id, require_user(page))
    cards = await scorecards.list_scorecards(session=session, agency_id=agency.id)
    return render(page, "agency/scorecards.html", {"agency": agency, "tab": "scorecards", "cards": cards})
