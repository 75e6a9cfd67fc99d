"""Festival pages: the festivals running and coming up, and a festival's countdown and live GMV leaderboard."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.db import SessionDep
from livestall.festivals import service
from livestall.festivals.pricing import Window
from livestall.insights import festivals as figures
from livestall.web.pages import festival_setup
from livestall.web.pages.common import PageDep, PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
router.include_router(festival_setup.router)  # first: /festivals/new must not be read as a festival's id

POLL_S = 5  # how often the page asks for the leaderboard again
DEALS_SHOWN = 24


@router.get("/festivals")
async def festivals_page(page: PageDep, session: SessionDep):
    """Festivals running now and coming up, with their countdowns."""
    operator = page.user is not None and page.user.has_role("operator")
    # Operators also edit past ones, and see more of them: they look for the one to change, not what is on.
    items = await service.list_festivals(session=session, include_ended=operator, limit=200 if operator else 50)
    festivals = await service.read_festivals(session=session, festivals=items)
    return render(page, "festivals/list.html", {"festivals": festivals, "operator": operator})


@router.get("/festivals/{festival_id}")
async def festival_page(festival_id: int, page: PageDep, session: SessionDep):
    """A festival: the countdown to its start (or end), its GMV, the shops' leaderboard and its deals."""
    festival = await service.get_festival(session=session, festival_id=festival_id)
    board = await figures.get_figures(session=session, festival=festival, fx_per_usd=page.settings.fx_per_usd)
    deals = []
    for price, product in await service.list_deals(session=session, festival=festival, limit=DEALS_SHOWN):
        window = Window(price.starts_at, price.ends_at, price.price_minor, price.discount_pct, festival.id)
        deals.append({"product": product, "price": price,
                      "festival_price": {"amount_minor": window.unit_price(product.price_minor),
                                         "currency": product.currency},
                      "list_price": {"amount_minor": product.price_minor, "currency": product.currency}})
    data = {"festival_id": festival.id, "starts_at": festival.starts_at.isoformat(),
            "ends_at": festival.ends_at.isoformat(), "poll_ms": POLL_S * 1000,
            "strings": {"starts_in": page.gettext("Starts in"), "ends_in": page.gettext("Ends in"),
                        "ended": page.gettext("This festival has ended.")}}
    return render(page, "festivals/show.html", {"festival": board.festival, "board": board, "deals": deals,
                                                "page_data": data})
