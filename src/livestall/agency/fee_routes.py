"""HTTP routes for host statements, per-show payouts and scorecards."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from livestall.accounts.deps import CurrentUser
from livestall.agency import bookings, fees, payables, scorecards
from livestall.agency.access import check_agency_admin, get_agency, get_visible_host
from livestall.agency.schemas import AgencyRead, PayoutRuleUpdate, SettleCreate
from livestall.catalog.models import Shop
from livestall.db import SessionDep, get_or_404
from livestall.errors import Forbidden

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


@router.post("/bookings/{booking_id}/payout/release", response_model=fees.StatementLine)
async def release_payout(booking_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins: pay a payout held for review, in full."""
    booking = await bookings.get_booking(session=session, booking_id=booking_id)
    await check_agency_admin(session=session, agency_id=booking.agency_id, user=user)
    return await fees.do_pay_booking(session=session, booking=booking, paid_by_id=user.id, release=True)


@router.post("/bookings/{booking_id}/payout/cancel", response_model=fees.StatementLine)
async def cancel_payout(booking_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins: cancel a payout held for review; nothing is paid for the show."""
    booking = await bookings.get_booking(session=session, booking_id=booking_id)
    await check_agency_admin(session=session, agency_id=booking.agency_id, user=user)
    return await fees.do_cancel_held(session=session, booking=booking)


@router.put("/agencies/{agency_id}/payout-rule", response_model=AgencyRead)
async def set_payout_rule(agency_id: int, rule_in: PayoutRuleUpdate, user: CurrentUser, session: SessionDep):
    """The agency's admins: how a short show is paid: in full, pro rata to the minutes streamed, or held."""
    agency = await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    return await fees.do_set_short_show_rule(session=session, agency=agency, rule=rule_in.short_show_rule)


@router.get("/agencies/{agency_id}/payables", response_model=list[payables.PayableRead])
async def agency_payables(agency_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins: fees brands still owe the agency, per shop and currency."""
    await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    return await payables.list_payables(session=session, agency_id=agency_id)


async def _member_shop(session, shop_id: int, user) -> Shop:
    shop = await get_or_404(session, Shop, shop_id)
    if shop.member_role(user.id) is None:
        raise Forbidden("only the shop's owners and staff see and settle what it owes")
    return shop


@router.get("/shops/{shop_id}/agency-payables", response_model=list[payables.PayableRead])
async def shop_payables(shop_id: int, user: CurrentUser, session: SessionDep):
    """The shop's owners and staff: agency fees the shop owes, per agency and currency."""
    shop = await _member_shop(session, shop_id, user)
    return await payables.list_payables(session=session, shop_ids=[shop.id])


@router.post("/shops/{shop_id}/agency-payables/{agency_id}/settle", response_model=payables.PayableRead)
async def settle_payable(shop_id: int, agency_id: int, settle_in: SettleCreate, user: CurrentUser,
                         session: SessionDep):
    """The shop's owners and staff: pay what the shop owes the agency from its revenue, as far as it goes."""
    shop = await _member_shop(session, shop_id, user)
    await get_agency(session=session, agency_id=agency_id)
    return await payables.do_settle(session=session, shop_id=shop.id, agency_id=agency_id,
                                    currency=settle_in.currency, settled_by_id=user.id)


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
