"""The buyer's "my openings" page: places, outcomes, and where what was inside goes."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.db import SessionDep
from livestall.openings.mine import list_my_tickets
from livestall.web.pages.common import PageDep, PageRoute, render, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/account/openings")
async def my_openings_page(page: PageDep, session: SessionDep):
    """The user's openings, newest first, with outcomes and the fulfilment choice."""
    user = require_user(page)
    return render(page, "openings_mine.html", {"tickets": await list_my_tickets(session=session, user_id=user.id)})
