"""The agency's roster as brands see it: ask for a host, follow the requests, settle the fees owed."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy import select

from livestall.accounts.models import User
from livestall.agency import bookings, payables, picker, service
from livestall.agency.access import get_agency
from livestall.agency.models import Agency, BookingRequest
from livestall.agency.schemas import RequestCreate
from livestall.catalog.models import Shop, ShopMember
from livestall.db import SessionDep
from livestall.errors import DomainError, Forbidden
from livestall.web.pages.agency.shared import LANGUAGE_CODES, form_errors
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, redirect, render, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)

REQUEST_FIELDS = ("host_id", "shop_id", "show_id", "language", "market", "date", "note")


async def my_shops(session, user: User) -> list[Shop]:
    """The shops the user owns or works for."""
    return list(await session.scalars(select(Shop).join(ShopMember, ShopMember.shop_id == Shop.id)
                                      .where(ShopMember.user_id == user.id).order_by(Shop.name)))


async def roster_context(page: Page, session, agency: Agency, user: User, values: dict | None = None,
                         errors: dict | None = None) -> dict:
    hosts = [h for h in await service.list_hosts(session=session, agency_id=agency.id, stage="active")
             if h.certified_at is not None]
    shops = await my_shops(session, user)
    shop_ids = [s.id for s in shops]
    shows = []
    for shop in shops:
        shows += [show for show, _ in await picker.list_bookable_shows(session=session, tz=page.l10n.tz,
                                                                       shop_id=shop.id)]
    requests = list(await session.scalars(select(BookingRequest).where(
        BookingRequest.agency_id == agency.id, BookingRequest.shop_id.in_(shop_ids))
        .order_by(BookingRequest.id.desc()))) if shop_ids else []
    chosen = next((h for h in hosts if str(h.id) == (values or {}).get("host_id")), None)
    defaults = {"language": chosen.languages[0] if chosen else "", "market": chosen.markets[0] if chosen and
                chosen.markets else "", "shop_id": str(shop_ids[0]) if len(shop_ids) == 1 else ""}
    options = {"hosts": [(str(h.id), h.display_name) for h in hosts], "shops": [(str(s.id), s.name) for s in shops],
               "shows": [(str(s.id), f"{s.title} · {page.l10n.datetime(s.scheduled_at, 'short')}") for s in shows],
               "languages": [(code, page.l10n.language_name(code)) for code in LANGUAGE_CODES]}
    return {"agency": agency, "hosts": hosts, "shops": shops, "options": options, "requests": requests,
            "host_names": {h.id: h.display_name for h in hosts}, "shop_names": {s.id: s.name for s in shops},
            "payables": await payables.list_payables(session=session, agency_id=agency.id, shop_ids=shop_ids)
            if shop_ids else [], "values": {**defaults, **(values or {})}, "errors": errors or {}}


@router.get("/agencies/{agency_id}/hosts")
async def brand_roster(agency_id: int, page: PageDep, session: SessionDep, host: str = ""):
    """Brands: the agency's bookable hosts, a request for one of them, their requests and what they owe."""
    user = require_user(page)
    agency = await get_agency(session=session, agency_id=agency_id)
    return render(page, "agency/brand_roster.html", await roster_context(page, session, agency, user,
                                                                         {"host_id": host} if host else None))


def _optional_int(text: str) -> int | str | None:
    text = text.strip()
    return int(text) if text.isdigit() else (text or None)


@router.post("/agencies/{agency_id}/requests")
async def request_host(agency_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """A brand asks the agency for one of its hosts, for a show or a day; the agency books from the request."""
    user = require_user(page)
    agency = await get_agency(session=session, agency_id=agency_id)
    values = form.values(*REQUEST_FIELDS)
    try:
        request_in = RequestCreate(shop_id=_optional_int(values["shop_id"]), host_id=_optional_int(values["host_id"]),
                                   show_id=_optional_int(values["show_id"]), language=values["language"],
                                   market=values["market"].strip().upper(), date=values["date"] or None,
                                   note=values["note"])
        async with session.begin_nested():
            row = await bookings.do_request_host(session=session, agency_id=agency.id, requester=user,
                                                 request_in=request_in)
    except (ValidationError, DomainError) as exc:
        return render(page, "agency/brand_roster.html", await roster_context(
            page, session, agency, user, values, form_errors(page, exc)), status=getattr(exc, "status", 422))
    return redirect(page, f"/agencies/{agency.id}/hosts?requested={row.id}#requests")


@router.post("/agencies/{agency_id}/payables/settle")
async def settle(agency_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """A brand settles what its shop owes the agency, from the shop's revenue as far as it goes."""
    user = require_user(page)
    agency = await get_agency(session=session, agency_id=agency_id)
    shop = next((s for s in await my_shops(session, user) if str(s.id) == form.get("shop_id")), None)
    try:
        if shop is None:
            raise Forbidden("only the shop's owners and staff settle what it owes")
        async with session.begin_nested():
            await payables.do_settle(session=session, shop_id=shop.id, agency_id=agency.id,
                                     currency=form.get("currency"), settled_by_id=user.id)
    except DomainError as exc:
        return render(page, "agency/brand_roster.html", await roster_context(
            page, session, agency, user, errors=form_errors(page, exc)), status=exc.status)
    return redirect(page, f"/agencies/{agency.id}/hosts?settled=1#payables")
