"""HTTP routes for host statements, per-show payouts and scorecards."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from livestall.accounts.deps import CurrentUser
from livestall.agency import bookings, fees, scorecards
from livestall.agency.access import check_agency_admin, get_agency, get_visible_host
from livestall.db import SessionDep

router = APIRouter(prefix="/api/v1", tags=["agency"])


@router.get("/hosts/{host_id}/statements/{period}", response_model=fees.Statement)
async def host_statement(host_id: int, period: str, request: Request, user: CurrentUser, session: SessionDep):
    """The host themself or their agency: a month's statement (period YYYY-MM), also in the host's currency."""
    host = await get_visible_host(session=session, host_id=host_id, user=user)
    return await fees.get_statement(session=session, host=host, period=period,
                                    fx_per_usd=request.app.state.settings.fx_per_usd)


@router.post("/bookings/{booking_id}/payout", response_model=fees.StatementLine)
async def pay_booking(booking_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins: pay a held show, from the brand's revenue to the agency to the host."""
    booking = await bookings.get_booking(session=session, booking_id=booking_id)
    await check_agency_admin(session=session, agency_id=booking.agency_id, user=user)
    return await fees.do_pay_booking(session=session, booking=booking, paid_by_id=user.id)


@router.get("/agencies/{agency_id}/scorecards", response_model=list[scorecards.Scorecard])
async def agency_scorecards(agency_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins: a scorecard per host, and the agency's own last, each by market."""
    await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    return await scorecards.list_scorecards(session=session, agency_id=agency_id)


@router.get("/agencies/{agency_id}/scorecards.csv", response_class=Response)
async def agency_scorecards_csv(agency_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins: the scorecards as CSV, one row per host and market."""
    await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    cards = await scorecards.list_scorecards(session=session, agency_id=agency_id)
    return Response(scorecards.scorecards_csv(cards), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="scorecards-{agency_id}.csv"'})


@router.get("/hosts/{host_id}/scorecard", response_model=scorecards.Scorecard | None)
async def host_scorecard(host_id: int, user: CurrentUser, session: SessionDep):
    """The host themself or their agency: the host's scorecard, by market."""
    host = await get_visible_host(session=session, host_id=host_id, user=user)
    cards = await scorecards.list_scorecards(session=session, agency_id=host.agency_id, host_id=host.id)
    return cards[0] if cards else None
