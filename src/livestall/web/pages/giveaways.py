"""A giveaway's public "verify this draw" page: the entries, the seed and the winners, recomputed in the browser."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.db import SessionDep
from livestall.giveaways.service import get_giveaway
from livestall.web.pages.common import PageDep, PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/giveaways/{giveaway_id}/verify")
async def verify_page(giveaway_id: int, page: PageDep, session: SessionDep):
    """Anyone: the draw's record checked in this browser (the seed against its commitment, then every winner)."""
    return render(page, "giveaways/verify.html", {"giveaway": await get_giveaway(session=session, giveaway_id=giveaway_id)})
