"""HTTP routes for paid openings: lots, tickets, the line, opening on camera, the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Header, Request, Response, UploadFile

from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.accounts.models import User
from livestall.db import SessionDep
from livestall.idempotency import KEY_HEADER, check_idempotency_key
from livestall.openings import fulfilment, mine, opening, photos, service
from livestall.openings.schemas import CloseIn, CorrectionIn, FulfilmentIn, LotCreate, OutcomeIn
from livestall.shows.service import check_can_run_show, check_moderator, get_show

router = APIRouter(prefix="/api/v1", tags=["openings"])
IdempotencyKey = Annotated[str | None, Header(alias=KEY_HEADER, description="A fresh random key per purchase")]


async def _lot_for_host(session, lot_id: int, user: User):
    lot = await service.get_lot(session=session, lot_id=lot_id)
    show = await get_show(session=session, show_id=lot.show_id)
    await check_moderator(session=session, show=show, user=user)
    return lot


@router.post("/shows/{show_id}/openings", status_code=201)
async def create_lot(show_id: int, lot_in: LotCreate, user: CurrentUser, session: SessionDep) -> dict:
    """Whoever runs the show: set up an opening lot (a random pick publishes its seed's hash now)."""
    show = await get_show(session=session, show_id=show_id)
    await check_can_run_show(session=session, show=show, user=user)
    return service.lot_view(await service.do_create_lot(session=session, show=show, user=user, lot_in=lot_in))


@router.get("/shows/{show_id}/openings")
async def list_lots(show_id: int, session: SessionDep, user: OptionalUser) -> dict:
    """A show's lots, and the caller's places in line."""
    show = await get_show(session=session, show_id=show_id)
    lots = await service.list_lots(session=session, show_id=show.id)
    places = await service.get_places(session=session, show_id=show.id, user_id=user.id) if user else []
    return {"items": [service.lot_view(lot) for lot in lots], "places": places}


@router.get("/openings/{lot_id}")
async def get_lot(lot_id: int, session: SessionDep) -> dict:
    """One lot; `outcome_deducible` once the openings already shown tell what the next would hold (no more sales)."""
    lot = await service.get_lot(session=session, lot_id=lot_id)
    return {**service.lot_view(lot), "outcome_deducible": await service.outcome_deducible(session, lot)}


@router.post("/openings/{lot_id}/tickets", status_code=201)
async def buy_ticket(lot_id: int, request: Request, response: Response, user: CurrentUser, session: SessionDep,
                     idempotency_key: IdempotencyKey = None) -> dict:
    """Buy one opening, paid from the wallet; the same Idempotency-Key again returns the same ticket (200)."""
    key = check_idempotency_key(idempotency_key)
    lot = await service.get_lot(session=session, lot_id=lot_id)
    ticket, created = await service.do_buy_ticket(session=session, lot=lot, buyer=user, key=key,
                                                  commission_bps=request.app.state.settings.commission_bps)
    if not created:
        response.status_code = 200
    return service.ticket_view(ticket, lot, user.display_name)


@router.get("/openings/{lot_id}/queue")
async def get_queue(lot_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """The host and moderators: the waiting tickets in line order."""
    lot = await _lot_for_host(session, lot_id, user)
    queue = await service.list_queue(session=session, lot=lot)
    return {"lot_id": lot.id, "items": [service.ticket_view(t, lot, name) for t, name in queue]}


@router.post("/openings/{lot_id}/tickets/{ticket_id}/open")
async def open_ticket(lot_id: int, ticket_id: int, outcome_in: OutcomeIn, user: CurrentUser,
                      session: SessionDep) -> dict:
    """The host: open the next ticket (or one set aside) on camera and record what was inside."""
    lot = await _lot_for_host(session, lot_id, user)
    ticket = await opening.do_open(session=session, lot=lot, ticket_id=ticket_id, host=user, outcome_in=outcome_in)
    return opening.result_view(ticket, lot, None)


@router.post("/openings/{lot_id}/photos", status_code=201)
async def upload_photo(lot_id: int, request: Request, user: CurrentUser, session: SessionDep,
                       file: Annotated[UploadFile, File(description="A JPEG, PNG, WebP or GIF image")]) -> dict:
    """The host: upload a photo of what was inside, to record with the outcome (`photo_id`)."""
    lot = await _lot_for_host(session, lot_id, user)
    settings = request.app.state.settings
    data = await file.read(settings.max_upload_bytes + 1)
    return photos.photo_view(await photos.do_upload_photo(session=session, lot=lot, host=user, data=data,
                                                          settings=settings))


@router.post("/openings/{lot_id}/snapshots", status_code=201)
async def take_snapshot(lot_id: int, request: Request, user: CurrentUser, session: SessionDep) -> dict:
    """The host: grab what the camera shows now from the live stream, to record with the outcome."""
    lot = await _lot_for_host(session, lot_id, user)
    return photos.photo_view(await photos.do_snapshot(session=session, lot=lot, host=user,
                                                      settings=request.app.state.settings))


@router.post("/openings/{lot_id}/tickets/{ticket_id}/set-aside")
async def set_aside(lot_id: int, ticket_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """The host: the buyer is away, open their ticket later."""
    lot = await _lot_for_host(session, lot_id, user)
    ticket = await opening.do_set_aside(session=session, lot=lot, ticket_id=ticket_id, host=user)
    return service.ticket_view(ticket, lot)


@router.post("/openings/{lot_id}/tickets/{ticket_id}/corrections", status_code=201)
async def correct(lot_id: int, ticket_id: int, correction: CorrectionIn, user: CurrentUser,
                  session: SessionDep) -> dict:
    """The host: correct a recorded outcome by a new audit entry (the outcome itself stays as recorded)."""
    lot = await _lot_for_host(session, lot_id, user)
    return await opening.do_correct(session=session, lot=lot, ticket_id=ticket_id, host=user, correction=correction)


@router.post("/openings/{lot_id}/close")
async def close_lot(lot_id: int, close_in: CloseIn, user: CurrentUser, session: SessionDep) -> dict:
    """Whoever runs the show: close the lot, reveal the seed, refund or carry over the unopened tickets."""
    lot = await service.get_lot(session=session, lot_id=lot_id)
    show = await get_show(session=session, show_id=lot.show_id)
    await check_can_run_show(session=session, show=show, user=user)
    tickets, carried = await opening.do_close(session=session, lot=lot, host=user, close_in=close_in)
    return {**service.lot_view(lot), "unopened_tickets": [service.ticket_view(t, lot) for t in tickets],
            "follow_up_lot": service.lot_view(carried) if carried else None}


@router.get("/openings/{lot_id}/audit")
async def get_audit(lot_id: int, session: SessionDep) -> dict:
    """The lot's append-only audit log: public, so that anyone can check the openings."""
    lot = await service.get_lot(session=session, lot_id=lot_id)
    return {"lot_id": lot.id, "seed_hash": lot.seed_hash, "seed": service.lot_view(lot)["seed"],
            "pick_items": lot.pick_items, "entries": await service.list_audit(session=session, lot=lot)}


@router.get("/me/openings")
async def my_openings(user: CurrentUser, session: SessionDep) -> dict:
    """The caller's openings: places, outcomes and fulfilment."""
    return {"items": await mine.list_my_tickets(session=session, user_id=user.id)}


@router.post("/me/openings/{ticket_id}/fulfilment")
async def choose_fulfilment(ticket_id: int, choice: FulfilmentIn, request: Request, user: CurrentUser,
                            session: SessionDep) -> dict:
    """The buyer: an order that ships what was inside, or the lot's jewellery setting bought on top."""
    ticket = await opening.get_ticket_of(session=session, ticket_id=ticket_id, user=user)
    ticket, order = await fulfilment.do_choose_fulfilment(
        session=session, ticket=ticket, buyer=user, choice=choice,
        commission_bps=request.app.state.settings.commission_bps)
    lot = await service.get_lot(session=session, lot_id=ticket.lot_id)
    orders = await fulfilment.orders_of(session, [ticket])
    return service.ticket_view(ticket, lot, user.display_name, order=orders[order.id])
