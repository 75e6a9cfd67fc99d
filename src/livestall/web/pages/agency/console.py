"""The agency console: open an agency, the roster of hosts, one host (training, stage, booking), adding a host."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy import select

from livestall.agency import bookings, picker, service, training
from livestall.agency.access import get_managed_host
from livestall.agency.models import STAGES, Agency, HostProfile
from livestall.agency.schemas import AgencyCreate, BookingCreate, HostCreate
from livestall.agency.service import MOVES
from livestall.db import SessionDep
from livestall.errors import DomainError, FieldProblem, Invalid
from livestall.shows.models import Show
from livestall.validation import date_problem
from livestall.web.pages.agency.shared import (
    HOST_FIELDS, LANGUAGE_CODES, RATE_FIELDS, admin_agency, form_errors, host_fields, host_localizer, rate_fields,
)
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, redirect, render, require_user
from livestall.web.pages.manage import parse_int

router = APIRouter(route_class=PageRoute, include_in_schema=False)

BOOK_FIELDS = ("show_id", "duration_minutes", "request_id")


async def trainings(session, agency_id: int, hosts: list[HostProfile]) -> dict:
    """Each host's training record (completed modules out of the agency's)."""
    return await training.list_trainings(session=session, agency_id=agency_id, hosts=hosts)


async def shows_by_id(session, ids: set[int]) -> dict[int, Show]:
    if not ids:
        return {}
    return {s.id: s for s in await session.scalars(select(Show).where(Show.id.in_(ids)))}


async def board_context(session, agency: Agency) -> dict:
    """The pipeline as columns of hosts, one per stage, with each host's allowed moves."""
    hosts = await service.list_hosts(session=session, agency_id=agency.id)
    return {"agency": agency, "tab": "pipeline", "columns": [(s, [h for h in hosts if h.stage == s]) for s in STAGES],
            "moves": {h.id: [s for s in STAGES if s in MOVES[h.stage]] for h in hosts},
            "trainings": await trainings(session, agency.id, hosts), "errors": {}, "failed_host": None}


def _nav(agency: Agency, tab: str) -> dict:
    return {"agency": agency, "tab": tab}


# -- agencies -----------------------------------------------------------------------------------

@router.get("/agency")
async def my_agencies(page: PageDep, session: SessionDep):
    """The agencies the user runs (straight to the console when there is one), and a form to open one."""
    user = require_user(page)
    agencies = await service.list_my_agencies(session=session, user=user)
    if len(agencies) == 1:
        return redirect(page, f"/agency/{agencies[0].id}")
    return render(page, "agency/home.html", {"agencies": agencies, "can_open": user.has_role("agency_admin"),
                                             "values": {"country": user.country or ""}, "errors": {}})


@router.post("/agency")
async def open_agency(page: PageDep, form: FormDep, session: SessionDep):
    """Agency admins: open an agency."""
    user = require_user(page)
    service.check_can_open_agency(user)
    values = form.values("name", "city", "country")
    try:
        agency = await service.do_create_agency(session=session, admin=user, agency_in=AgencyCreate(
            name=values["name"], city=values["city"], country=values["country"]))
    except (ValidationError, DomainError) as exc:
        agencies = await service.list_my_agencies(session=session, user=user)
        return render(page, "agency/home.html", {"agencies": agencies, "can_open": True, "values": values,
                                                 "errors": form_errors(page, exc)}, status=422)
    return redirect(page, f"/agency/{agency.id}")


# -- hosts --------------------------------------------------------------------------------------

async def roster_context(page: Page, session, agency: Agency, query: dict, values: dict, errors: dict) -> dict:
    hosts = await service.list_hosts(session=session, agency_id=agency.id, stage=query.get("stage") or None,
                                     language=query.get("language") or None, market=query.get("market") or None)
    return {**_nav(agency, "hosts"), "hosts": hosts, "trainings": await trainings(session, agency.id, hosts),
            "query": query,
            "stages": STAGES, "language_codes": LANGUAGE_CODES, "errors": errors,
            "values": {"timezone": page.l10n.tz.key if hasattr(page.l10n.tz, "key") else "UTC",
                       "fee_currency": "CNY", "currency": "USD", **values}}


@router.get("/agency/{agency_id}")
async def roster(agency_id: int, page: PageDep, session: SessionDep, stage: str = "", language: str = "",
                 market: str = ""):
    """The agency's hosts and applicants: stage, languages, markets, rate card, training; filters; add a host."""
    agency = await admin_agency(session, agency_id, require_user(page))
    query = {"stage": stage if stage in STAGES else "", "language": language if language in LANGUAGE_CODES else "",
             "market": market.strip().upper()[:2]}
    return render(page, "agency/roster.html", await roster_context(page, session, agency, query, {}, {}))


@router.post("/agency/{agency_id}/hosts")
async def add_host(agency_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """The agency adds a host itself, with a rate card; on bad input, the roster again with the form's errors."""
    agency = await admin_agency(session, agency_id, require_user(page))
    try:
        host_in = HostCreate(**host_fields(form), **rate_fields(form, agency_currency(agency)))
        host = await service.do_add_host(session=session, agency=agency, host_in=host_in)
    except (ValidationError, DomainError) as exc:
        values = {**form.values(*HOST_FIELDS, *RATE_FIELDS), "languages": form.getlist("languages")}
        return render(page, "agency/roster.html", await roster_context(
            page, session, agency, {}, values, form_errors(page, exc)), status=422)
    return redirect(page, f"/agency/hosts/{host.id}?added=1")


def agency_currency(agency: Agency) -> str:
    """The usual currency of fees: the agency's country's (CNY for an agency in China)."""
    return {"CN": "CNY", "US": "USD", "GB": "GBP", "JP": "JPY"}.get(agency.country, "CNY")


def picker_query(host: HostProfile, brand: str = "", day: str = "", language: str = "", request: str = "") -> dict:
    """The booking picker's search: brand name, day (YYYY-MM-DD, the viewer's) and language; bad parts dropped."""
    try:
        parsed = date.fromisoformat(day) if day else None
    except ValueError:
        parsed = None
    if parsed is not None and date_problem(parsed):
        parsed = None
    return {"brand": brand.strip()[:120], "date": parsed, "language": language if language in host.languages else "",
            "request": request if request.isdigit() else ""}


async def host_context(page: Page, session, host: HostProfile, values: dict | None = None,
                       errors: dict | None = None, query: dict | None = None) -> dict:
    agency = await session.get(Agency, host.agency_id)
    rows = await bookings.list_bookings(session=session, host_ids=[host.id])
    requests = await bookings.list_requests(session=session, agency_id=agency.id, status="open")
    query = query or picker_query(host)
    asked = next((r for r in requests if str(r.id) == query["request"]), None)
    choices = await picker.list_bookable_shows(
        session=session, brand=query["brand"], day=query["date"], tz=page.l10n.tz,
        languages=[query["language"]] if query["language"] else list(host.languages),
        shop_id=asked.shop_id if asked else None)
    if asked is not None and asked.show_id and not values:
        values = {"show_id": str(asked.show_id), "request_id": str(asked.id)}
    elif asked is not None and not values:
        values = {"request_id": str(asked.id)}
    return {**_nav(agency, "hosts"), "host": host, "training": await training.get_training(session=session, host=host),
            "courses": await training.list_courses(session=session, agency_id=agency.id),
            "moves": [s for s in STAGES if s in MOVES[host.stage]], "bookings": rows,
            "shows": await shows_by_id(session, {b.show_id for b in rows}), "query": query, "choices": choices,
            "host_tz": host_localizer(page, host),
            "request_options": [(str(r.id), (f"#{r.id} · {page.l10n.language_name(r.language)} · "
                                             f"{page.l10n.country_name(r.market)} · {r.date}"))
                                for r in requests if r.language in host.languages],
            "values": {"duration_minutes": "120", **(values or {})}, "errors": errors or {}}


@router.get("/agency/hosts/{host_id}")
async def host_page(host_id: int, page: PageDep, session: SessionDep, brand: str = "", date: str = "",
                    language: str = "", request: str = ""):
    """One host, for their agency: profile, rate card, stage moves, training, bookings, and the show picker."""
    host = await get_managed_host(session=session, host_id=host_id, user=require_user(page))
    return render(page, "agency/host.html", await host_context(
        page, session, host, query=picker_query(host, brand, date, language, request)))


@router.post("/agency/hosts/{host_id}/stage")
async def move_stage(host_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Move a host along the pipeline, from the board or the host's page; a refused move is shown there."""
    host = await get_managed_host(session=session, host_id=host_id, user=require_user(page))
    on_board = form.get("view") == "board"
    try:
        async with session.begin_nested():
            await service.do_move_stage(session=session, host=host, stage=form.get("stage"))
    except DomainError as exc:
        await session.refresh(host)
        errors = form_errors(page, exc)
        if on_board:
            agency = await session.get(Agency, host.agency_id)
            return render(page, "agency/pipeline.html", {**await board_context(session, agency), "errors": errors,
                                                         "failed_host": host.id}, status=exc.status)
        return render(page, "agency/host.html", await host_context(page, session, host, errors=errors),
                      status=exc.status)
    if on_board:
        return redirect(page, f"/agency/{host.agency_id}/pipeline#host-{host.id}")
    return redirect(page, f"/agency/hosts/{host.id}")


@router.post("/agency/hosts/{host_id}/completions")
async def record_completion(host_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Record a module the host has completed; completing them all certifies the host."""
    user = require_user(page)
    host = await get_managed_host(session=session, host_id=host_id, user=user)
    try:
        async with session.begin_nested():
            module_id = parse_int(form.get("module_id"), "module_id")
            await training.do_record_completion(session=session, host=host, module_id=module_id, recorder=user)
    except DomainError as exc:
        await session.refresh(host)
        return render(page, "agency/host.html", await host_context(page, session, host, errors=form_errors(page, exc)),
                      status=exc.status)
    return redirect(page, f"/agency/hosts/{host.id}#training")


@router.post("/agency/hosts/{host_id}/bookings")
async def book_host(host_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Book the host onto a show; the host then accepts or declines. Conflicts are shown beside the form."""
    user = require_user(page)
    host = await get_managed_host(session=session, host_id=host_id, user=user)
    values = form.values(*BOOK_FIELDS)
    try:
        problems = []
        numbers = {}
        if not values["show_id"]:
            problems.append(FieldProblem("show_id", "pick_show", "pick a show from the list"))
        for name in BOOK_FIELDS:
            if values[name]:  # an empty duration is the usual two hours
                try:
                    numbers[name] = parse_int(values[name], name)
                except Invalid as exc:
                    problems.extend(exc.errors)
        if problems:
            raise Invalid("; ".join(p.message for p in problems), problems)
        async with session.begin_nested():
            booking = await bookings.do_book(session=session, host=host, booker=user,
                                             booking_in=BookingCreate(host_id=host.id, **numbers))
    except (ValidationError, DomainError) as exc:
        return render(page, "agency/host.html", await host_context(page, session, host, values,
                                                                   form_errors(page, exc)),
                      status=getattr(exc, "status", 422))
    day = booking.starts_at.astimezone(page.l10n.tz).date()
    week = (day - timedelta(days=day.weekday())).isoformat()  # the calendar's week, from Monday
    return redirect(page, f"/agency/{host.agency_id}/bookings?week={week}"
                          f"#booking-{booking.id}")
