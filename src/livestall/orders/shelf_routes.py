"""HTTP routes for a live show's shelf of pinned products."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from livestall.accounts.deps import CurrentUser
from livestall.db import SessionDep
from livestall.orders import shelf
from livestall.runtime import Runtime, RuntimeDep, get_runtime
from livestall.shows.service import check_moderator, get_show
from livestall.validation import StrictInput

router = APIRouter(prefix="/api/v1", tags=["pins"])


class ShelfIn(StrictInput):
    product_ids: list[int] = Field(max_length=shelf.MAX_SHELF, description="The whole shelf, in order")


class PinIn(StrictInput):
    product_id: int


class ShelfRead(BaseModel):
    show_id: int
    items: list[dict] = Field(description="Pinned products: prices in every display currency, stock, flash sale")


def _changed(request: Request, show_id: int) -> None:
    offers = get_runtime(request).offers
    if offers is not None:
        offers.forget_show(show_id)


async def _moderated_show(session, show_id: int, user):
    """The show, if `user` may change its shelf (the host and moderators)."""
    show = await get_show(session=session, show_id=show_id)
    await check_moderator(session=session, show=show, user=user)
    return show


@router.get("/shows/{show_id}/pins", response_model=ShelfRead)
async def get_shelf(show_id: int, runtime: RuntimeDep) -> Response:
    """The products pinned in a show right now."""
    # Every viewer's page asks for it on load: one build, serialized once, until the shelf may have changed.
    body = await runtime.reads.get(show_id, ("shelf", show_id), lambda: _shelf_json(runtime, show_id))
    return Response(body, media_type="application/json")


async def _shelf_json(runtime: Runtime, show_id: int) -> bytes:
    async with runtime.sessionmaker() as session:
        show = await get_show(session=session, show_id=show_id)
        items = await shelf.get_shelf_view(session=session, show_id=show.id, fx_per_usd=runtime.settings.fx_per_usd)
    return ShelfRead(show_id=show.id, items=items).model_dump_json().encode()


@router.put("/shows/{show_id}/pins", response_model=ShelfRead)
async def set_shelf(show_id: int, shelf_in: ShelfIn, request: Request, user: CurrentUser, session: SessionDep):
    """The host and moderators: make the shelf exactly these products (an empty list clears it)."""
    show = await _moderated_show(session, show_id, user)
    items = await shelf.do_set_shelf(session=session, show=show, user_id=user.id, product_ids=shelf_in.product_ids,
                                     fx_per_usd=request.app.state.settings.fx_per_usd)
    _changed(request, show.id)
    return ShelfRead(show_id=show.id, items=items)


@router.post("/shows/{show_id}/pins", response_model=ShelfRead)
async def pin_product(show_id: int, pin_in: PinIn, request: Request, user: CurrentUser, session: SessionDep):
    """The host and moderators: pin one more product."""
    show = await _moderated_show(session, show_id, user)
    items = await shelf.do_pin(session=session, show=show, user_id=user.id, product_id=pin_in.product_id,
                               fx_per_usd=request.app.state.settings.fx_per_usd)
    _changed(request, show.id)
    return ShelfRead(show_id=show.id, items=items)


@router.delete("/shows/{show_id}/pins/{product_id}", response_model=ShelfRead)
async def unpin_product(show_id: int, product_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """The host and moderators: take a product off the shelf."""
    show = await _moderated_show(session, show_id, user)
    items = await shelf.do_unpin(session=session, show=show, product_id=product_id,
                                 fx_per_usd=request.app.state.settings.fx_per_usd)
    _changed(request, show.id)
    return ShelfRead(show_id=show.id, items=items)
