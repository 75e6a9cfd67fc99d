"""HTTP routes for flash sales in a show."""

from __future__ import annotations

from fastapi import APIRouter, Request

from livestall.accounts.deps import CurrentUser
from livestall.db import SessionDep, utcnow
from livestall.orders import flash as service
from livestall.orders.schemas import FlashSaleCreate, FlashSaleRead
from livestall.runtime import get_runtime
from livestall.shows.service import check_can_run_show, get_show

router = APIRouter(prefix="/api/v1", tags=["flash sales"])


def _forget(request: Request, show_id: int) -> None:
    offers = get_runtime(request).offers
    if offers is not None:
        offers.forget_show(show_id)


@router.post("/shows/{show_id}/flash-sales", status_code=201, response_model=FlashSaleRead)
async def create_flash_sale(show_id: int, sale_in: FlashSaleCreate, request: Request, user: CurrentUser,
                            session: SessionDep):
    """The host or the shop: a sale price for 1 to 20 minutes, on units taken from the product's stock."""
    show = await get_show(session=session, show_id=show_id)
    await check_can_run_show(session=session, show=show, user=user)
    fx = request.app.state.settings.fx_per_usd
    flash = await service.do_create_flash_sale(
        session=session, show=show, creator=user, product_id=sale_in.product_id,
        starts_at=sale_in.starts_at or utcnow(), duration_s=sale_in.duration_s,
        sale_price_minor=sale_in.sale_price_minor, currency=sale_in.currency, units=sale_in.units,
        per_buyer_limit=sale_in.per_buyer_limit, countdown_s=sale_in.countdown_s, fx_per_usd=fx,
        variant_id=sale_in.variant_id)
    _forget(request, show.id)
    return service.flash_view(flash, fx)


@router.get("/shows/{show_id}/flash-sales", response_model=list[FlashSaleRead])
async def list_flash_sales(show_id: int, request: Request, session: SessionDep):
    """A show's flash sales, with their countdowns and units left."""
    show = await get_show(session=session, show_id=show_id)
    fx = request.app.state.settings.fx_per_usd
    return [service.flash_view(f, fx) for f in await service.list_flash_sales(session=session, show_id=show.id)]


@router.post("/flash-sales/{flash_sale_id}/end", response_model=FlashSaleRead)
async def end_flash_sale(flash_sale_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """The host or the shop: end a flash sale now (or call it off before it starts)."""
    flash = await service.get_flash_sale(session=session, flash_sale_id=flash_sale_id)
    show = await get_show(session=session, show_id=flash.show_id)
    await check_can_run_show(session=session, show=show, user=user)
    flash = await service.do_end_flash_sale(session=session, flash=flash)
    _forget(request, show.id)
    return service.flash_view(flash, request.app.state.settings.fx_per_usd)
