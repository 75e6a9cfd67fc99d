"""A product clip's own page: the clip, the product with its buy button, the show it came from, a share link."""

from __future__ import annotations

from fastapi import APIRouter, Request

from livestall.catalog import service as catalog
from livestall.db import SessionDep
from livestall.media import clips
from livestall.shows.models import Show
from livestall.web.pages.common import PageDep, PageRoute, login_url, render
from livestall.web.pages.products import LOW_STOCK, offer_view

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/clips/{clip_id}")
async def clip_page(clip_id: int, page: PageDep, request: Request, session: SessionDep):
    """Anyone: the clip (ready and not hidden; the shop's people see theirs in any state, with trim and hide)."""
    clip = await clips.get_clip(session=session, clip_id=clip_id, user=page.user)
    product = await catalog.get_product(session=session, product_id=clip.product_id)
    shop = await catalog.get_shop(session=session, shop_id=clip.shop_id)
    show = await session.get(Show, clip.show_id)
    member = await clips.is_shop_member(session=session, shop_id=clip.shop_id, user=page.user)
    if not member and clip.status == "ready":
        await clips.do_count_view(session=session, clip=clip)
    orders = await clips.count_orders(session=session, clip=clip)
    share_url = f"{page.settings.public_url.rstrip('/')}/clips/{clip.id}"
    read = clips.clip_read(clip, orders, with_figures=member)
    data = {"currency": page.currency, "user_id": page.user.id if page.user else None, "login_url": login_url(request),
            "clip": read, "editor": member, "share_url": share_url, "title": product.title}
    return render(page, "video/clip.html", {
        "clip": read, "product": product, "shop": shop, "show": show, "editor": member, "share_url": share_url,
        "offer": await offer_view(session, product, page.settings.fx_per_usd), "low_stock": LOW_STOCK, "data": data})
