"""The buyer's "my openings" page (places, outcomes, where what was inside goes) and a lot's "verify this draw" page."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.db import SessionDep
from livestall.openings.mine import list_my_tickets
from livestall.openings.service import get_lot
from livestall.web.pages.common import PageDep, PageRoute, render, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/account/openings")
async def my_openings_page(page: PageDep, session: SessionDep):
    """The user's openings, newest first, with outcomes and the fulfilment choice."""
    user = require_user(page)
    return render(page, "openings_mine.html", {"tickets": await list_my_tickets(session=session, user_id=user.id)})


@router.get("/openings/{lot_id}/verify")
async def verify_page(lot_id: int, page: PageDep, session: SessionDep):
    """Anyone: the lot's audit record checked in the browser (the seed's fingerprint and every draw)."""
    return render(page, "openings_verify.html", {"lot": await get_lot(session=session, lot_id=lot_id)})
