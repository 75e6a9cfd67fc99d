"""Discover (live now and upcoming, with filters), search, shop and host pages, and "remind me"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import case, func, or_, select

from livestall.accounts import follows
from livestall.accounts.models import User
from livestall.catalog import service as catalog
from livestall.db import SessionDep
from livestall.media.snapshots import show_picture, snapshot_url
from livestall.notifications import reminders
from livestall.notifications.follows import get_target
from livestall.runtime import get_runtime
from livestall.shows import hosting
from livestall.shows import service as shows
from livestall.shows.models import Show
from livestall.web import service
from livestall.web.i18n import LANGUAGES
from livestall.web.pages.cache import anonymous_pages
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, redirect, render, require_user, \
    safe_next, wants_json

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Filter = Annotated[str | None, Query(max_length=64)]


def viewers(request: Request, show: Show) -> int:
    """Viewers in the show's room now (as this process last heard)."""
    gateway = get_runtime(request).gateway
    return gateway.viewer_counts(show.id).concurrent if gateway is not None and show.status == "live" else 0


async def show_cards(request: Request, session, shows_: list[Show], user: User | None) -> list[dict]:
    """Shows as discover cards: names, viewers, the reminder, and the picture (live frame, replay thumbnail)."""
    shops, hosts = await service.get_names(session=session, shop_ids={s.shop_id for s in shows_},
                                           user_ids={s.host_id for s in shows_})
    reminded = await reminders.list_reminded_ids(session=session, user=user, show_ids=[s.id for s in shows_])
    invited = await hosting.list_invited_show_ids(session=session, show_ids=[s.id for s in shows_])
    settings = request.app.state.settings
    return [{"show": s, "shop": shops.get(s.shop_id, ""), "host": hosts.get(s.host_id, ""),
             "host_invited": s.id in invited, "viewers": viewers(request, s), "reminded": s.id in reminded,
             "picture": show_picture(settings, s), "snapshot_url": snapshot_url(s.id) if s.status == "live" else None}
            for s in shows_]


async def matching_shows(session, q: str, *, shop_ids: set[int], host_ids: set[int], limit: int = 12) -> list[Show]:
    """Live shows (latest first) and upcoming ones (soonest first) whose title has `q`, or of a shop or host found."""
    found = func.lower(Show.title).contains(q.lower(), autoescape=True)
    if shop_ids:
        found = or_(found, Show.shop_id.in_(shop_ids))
    if host_ids:
        found = or_(found, Show.host_id.in_(host_ids))
    rows = await session.scalars(
        select(Show).where(Show.status.in_(("live", "scheduled")), found)
        # Upcoming shows have no start yet, so the second key orders the live ones only, as discover does.
        .order_by(case((Show.status == "live", 0), else_=1), Show.started_at.desc(), Show.scheduled_at, Show.id)
        .limit(limit))
    return list(rows)


@router.get("/")
async def discover(page: PageDep, request: Request, session: SessionDep, language: Filter = None,
                   market: Filter = None, category: Filter = None):
    """Live now and coming up, by language, market and category."""
    filters = {"language": language if language in LANGUAGES else None,
               "market": market.upper() if market and len(market) == 2 else None, "category": category or None}

    async def rendered(view: Page) -> Response:
        live, _ = await shows.list_shows(session=session, when="live", per_page=24, **filters)
        upcoming, _ = await shows.list_shows(session=session, when="upcoming", per_page=24, **filters)
        return render(view, "discover.html", {
            "live": await show_cards(request, session, live, view.user),
            "upcoming": await show_cards(request, session, upcoming, view.user),
            "filters": filters, "markets": await service.list_markets(session=session),
            "categories": await service.list_categories(session=session),
        })

    if page.user is None:
        return await anonymous_pages(request).serve(page, "discover", rendered)
    return await rendered(page)


@router.get("/search")
async def search(page: PageDep, request: Request, session: SessionDep,
                 q: Annotated[str, Query(max_length=100)] = ""):
    """Live and upcoming shows, shops, products and hosts matching the words typed."""
    q = q.strip()
    results = {"shops": [], "products": [], "hosts": [], "shows": []}
    if q:
        results["shops"], _ = await catalog.list_shops(session=session, q=q, page=1, per_page=20)
        results["products"], _ = await catalog.list_products(session=session, q=q, per_page=20)
        results["hosts"] = await service.search_hosts(session=session, q=q)
        results["shows"] = await matching_shows(session, q, shop_ids={s.id for s in results["shops"]},
                                                host_ids={h.id for h in results["hosts"]})
    fx = page.settings.fx_per_usd
    products = [catalog.product_read(p, page.currency, fx) for p in results["products"]]
    shops, _ = await service.get_names(session=session, shop_ids={p.shop_id for p in products})
    return render(page, "search.html", {"q": q, "shops": results["shops"], "products": products,
                                        "product_shops": shops, "hosts": results["hosts"],
                                        "shows": await show_cards(request, session, results["shows"], page.user)})


@router.get("/shops/{shop_id}")
async def shop_page(shop_id: int, page: PageDep, request: Request, session: SessionDep):
    """A shop: its live and upcoming shows and its products."""
    shop = await catalog.get_shop(session=session, shop_id=shop_id)
    products, _ = await catalog.list_products(session=session, shop_id=shop.id, per_page=60)
    live, _ = await shows.list_shows(session=session, when="live", shop_id=shop.id)
    upcoming, _ = await shows.list_shows(session=session, when="upcoming", shop_id=shop.id)
    fx = page.settings.fx_per_usd
    followed = page.user is not None and await follows.is_following(session=session, user_id=page.user.id,
                                                                     kind="shop", target_id=shop.id)
    return render(page, "shop.html", {
        "shop": shop, "products": [catalog.product_read(p, page.currency, fx) for p in products],
        "shows": await show_cards(request, session, live + upcoming, page.user), "followed": followed,
        "followers": await follows.count_followers(session=session, kind="shop", target_id=shop.id)})


@router.get("/hosts/{user_id}")
async def host_page(user_id: int, page: PageDep, request: Request, session: SessionDep):
    """A host: their live, upcoming and past shows."""
    host = await get_target(session=session, kind="host", target_id=user_id)
    current, _ = await shows.list_shows(session=session, host_id=host.id, per_page=30)
    current = [s for s in current if s.status in ("live", "scheduled")]
    past, _ = await shows.list_shows(session=session, when="past", host_id=host.id, per_page=20)
    followed = page.user is not None and await follows.is_following(session=session, user_id=page.user.id,
                                                                     kind="host", target_id=host.id)
    return render(page, "host.html", {"host": host, "shows": await show_cards(request, session, current, page.user),
                                      "past": await show_cards(request, session, past, page.user),
                                      "followed": followed,
                                      "followers": await follows.count_followers(session=session, kind="host",
                                                                                 target_id=host.id)})


@router.post("/shows/{show_id}/remind")
async def remind(show_id: int, page: PageDep, form: FormDep, request: Request, session: SessionDep):
    """Turn the "remind me" of an upcoming show on (on=1) or off (on=0)."""
    user = require_user(page)
    show = await shows.get_show(session=session, show_id=show_id)
    if form.get("on", "1") in ("0", "false", "off"):
        await reminders.do_forget(session=session, user=user, show=show)
    else:
        await reminders.do_remind(session=session, user=user, show=show)
    if wants_json(request):
        return Response(status_code=204)
    return redirect(page, safe_next(form.get("next"), f"/shows/{show.id}"))
