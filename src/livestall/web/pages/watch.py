"""The show page for viewers, the replay page with chapters, and the feed of live shows a phone swipes through
(the embeddable player is in embed.py)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from livestall.accounts import follows
from livestall.accounts.models import User
from livestall.catalog.service import get_shop
from livestall.db import SessionDep, utcnow
from livestall.errors import NotFound
from livestall.festivals import service as festivals
from livestall.notifications.reminders import list_reminded_ids
from livestall.orders.shelf import get_shelf_view
from livestall.runtime import get_runtime
from livestall.shows import hosting
from livestall.shows import service as shows
from livestall.shows.models import Show
from livestall.web import service
from livestall.web.pages.cache import anonymous_pages
from livestall.web.pages.common import Page, PageDep, PageRoute, login_url, render
from livestall.web.pages.discover import viewers

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FEED_TTL_S = 2.0  # a crowd swiping from one show asks for the same neighbours: one read per key this often


def links(request: Request, show: Show) -> tuple[str, str]:
    """(room WebSocket URL, HLS URL) of a show."""
    return get_runtime(request).show_links(show)


async def _watch_context(page, request: Request, session, show_id: int) -> dict:
    show = await shows.get_show(session=session, show_id=show_id)
    if show.status == "cancelled" and not await shows.can_run_show(session=session, show=show, user=page.user):
        raise NotFound(f"no show {show_id}")
    shop = await get_shop(session=session, shop_id=show.shop_id)
    host = await session.get(User, show.host_id)
    room_url, hls_url = links(request, show)
    shelf = await get_shelf_view(session=session, show_id=show.id, fx_per_usd=page.settings.fx_per_usd) \
        if show.status == "live" else []
    reminded = show.id in await list_reminded_ids(session=session, user=page.user, show_ids=[show.id])
    festival = await _running_festival(session, show.shop_id)
    data = {
        "show_id": show.id, "status": show.status, "stream_state": show.stream_state, "ws_url": room_url,
        "hls_url": hls_url, "host_id": show.host_id, "shop_id": show.shop_id, "title": show.title,
        "scheduled_at": show.scheduled_at.isoformat(), "lang": page.lang, "currency": page.currency,
        "user_id": page.user.id if page.user else None, "login_url": login_url(request), "shelf": shelf,
        "likes": show.likes, "viewers": viewers(request, show),
        "buy": request.query_params.get("buy"),
    }
    return {"show": show, "shop": shop, "host": host, "data": data, "shelf": shelf, "reminded": reminded,
            "festival": festival,
            "host_invited": show.id in await hosting.list_invited_show_ids(session=session, show_ids=[show.id]),
            "followed": await follows.list_followed(session=session, user_id=page.user.id, host_id=show.host_id,
                                                    shop_id=show.shop_id) if page.user else set(),
            "can_run": await shows.can_run_show(session=session, show=show, user=page.user)}


async def _running_festival(session, shop_id: int):
    """The festival running now that the shop takes part in (the show's badge), if any."""
    now = utcnow()
    for festival in await festivals.list_festivals(session=session):
        if festival.starts_at > now:
            break  # soonest first: the rest have not started either
        if festivals.status_of(festival, now) == "running" and \
                await festivals.takes_part(session=session, festival_id=festival.id, shop_id=shop_id):
            return festival
    return None


@router.get("/shows/{show_id}")
async def show_page(show_id: int, page: PageDep, request: Request, session: SessionDep):
    """Watch a show: video, chat and questions, likes, viewers, the pinned products and one-tap buy."""
    async def rendered(view: Page) -> Response:
        return render(view, "watch/show.html", await _watch_context(view, request, session, show_id))

    if page.user is None:  # a crowd opening a shared link: rendered once for all of them
        return await anonymous_pages(request).serve(page, "show", rendered, show_id=show_id)
    return await rendered(page)


@router.get("/shows/{show_id}/replay")
async def replay_page(show_id: int, page: PageDep, request: Request, session: SessionDep):
    """Watch an ended show again, jumping to its chapters (products shown, questions answered)."""
    context = await _watch_context(page, request, session, show_id)
    return render(page, "watch/replay.html", context)


@router.get("/shows/{show_id}/feed")
async def feed(show_id: int, page: PageDep, request: Request, session: SessionDep) -> JSONResponse:
    """The live shows before and after this one in the viewer's feed (their language and market first)."""
    market = page.user.country if page.user else None
    key = (show_id, page.lang, market)
    state = request.app.state  # one memo per app: two apps in one process never share shows
    feeds: dict[tuple, tuple[float, dict]] = getattr(state, "show_feeds", None) or {}
    state.show_feeds = feeds
    kept = feeds.get(key)
    if kept is None or kept[0] < time.monotonic():
        show = await shows.get_show(session=session, show_id=show_id)
        found = {side: await service.find_live_neighbour(session=session, show=show, language=page.lang,
                                                       market=market, after=side == "next")
                 for side in ("prev", "next")}
        near = [s for s in found.values() if s is not None]
        shops, hosts = await service.get_names(session=session, shop_ids={s.shop_id for s in near},
                                               user_ids={s.host_id for s in near})
        body = {side: None if s is None else {
            "id": s.id, "url": f"/shows/{s.id}", "title": s.title, "host": hosts.get(s.host_id, ""),
            "shop": shops.get(s.shop_id, ""), "cover_url": s.cover_url, "viewers": viewers(request, s)}
            for side, s in found.items()}
        if len(feeds) > 4096:
            feeds.clear()
        kept = feeds[key] = (time.monotonic() + FEED_TTL_S, body)
    return JSONResponse(kept[1], headers={"Cache-Control": "private, max-age=2"})
