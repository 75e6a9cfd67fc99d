"""The studio, for hosts and sellers on a phone: go live, pin products, answer questions, moderate, end."""

from __future__ import annotations

from fastapi import APIRouter, Request

from livestall.accounts.models import User
from livestall.catalog.service import get_shop, list_products
from livestall.db import SessionDep
from livestall.errors import Forbidden
from livestall.shows import pins
from livestall.shows import service as shows
from livestall.web import service
from livestall.web.pages.common import PageDep, PageRoute, render, require_user
from livestall.web.pages.watch import links

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/studio")
async def studio_home(page: PageDep, session: SessionDep):
    """The user's live and upcoming shows, to open in the studio."""
    user = require_user(page)
    items = await service.list_studio_shows(session=session, user=user)
    shops, _ = await service.get_names(session=session, shop_ids={s.shop_id for s in items})
    return render(page, "studio/home.html", {"shows": items, "shops": shops,
                                             "can_stream": user.has_role("host") or user.has_role("seller")})


async def _runnable(session, show_id: int, user: User):
    show = await shows.get_show(session=session, show_id=show_id)
    if not await shows.can_run_show(session=session, show=show, user=user):
        raise Forbidden("only the show's host and its shop may open its studio")
    return show


@router.get("/studio/shows/{show_id}")
async def studio(show_id: int, page: PageDep, request: Request, session: SessionDep):
    """The studio of one show."""
    user = require_user(page)
    show = await _runnable(session, show_id, user)
    shop = await get_shop(session=session, shop_id=show.shop_id)
    products, _ = await list_products(session=session, shop_id=shop.id, per_page=100)
    room_url, hls_url = links(request, show)
    shelf = await pins.get_shelf_view(session=session, show_id=show.id, fx_per_usd=page.settings.fx_per_usd) \
        if show.status == "live" else []
    sales = await service.get_show_sales(session=session, show=show, currency=shop.currency)
    data = {"show_id": show.id, "status": show.status, "ws_url": room_url, "hls_url": hls_url,
            "lang": page.lang, "currency": shop.currency, "user_id": user.id, "shelf": shelf,
            "is_host": user.id == show.host_id}
    host = await session.get(User, show.host_id)
    return render(page, "studio/show.html", {
        "show": show, "shop": shop, "host": host, "products": products, "data": data, "sales": sales,
        "rtmp_host": page.settings.rtmp_public_host or request.url.hostname or "localhost",
        "rtmp_port": page.settings.rtmp_port, "public_url": page.settings.public_url.rstrip("/")})


@router.get("/studio/shows/{show_id}/sales")
async def studio_sales(show_id: int, page: PageDep, session: SessionDep) -> dict:
    """The sales ticker's figures: orders, units and GMV so far, formatted in the page's language."""
    user = require_user(page)
    show = await _runnable(session, show_id, user)
    shop = await get_shop(session=session, shop_id=show.shop_id)
    sales = await service.get_show_sales(session=session, show=show, currency=shop.currency)
    return {"orders": sales.orders, "units": sales.units, "gmv": sales.gmv.as_dict(),
            "gmv_text": page.l10n.money(sales.gmv), "orders_text": page.l10n.number(sales.orders),
            "units_text": page.l10n.number(sales.units)}
