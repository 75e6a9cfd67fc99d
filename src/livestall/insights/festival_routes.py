"""HTTP routes for a festival's figures: the public leaderboard and the operators' totals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from livestall.accounts.deps import CurrentUser
from livestall.accounts.service import check_operator
from livestall.db import SessionDep
from livestall.festivals import service
from livestall.festivals.schemas import FestivalFigures
from livestall.insights import festivals as figures

router = APIRouter(prefix="/api/v1", tags=["festivals"])

Top = Annotated[int, Query(ge=1, le=100)]


@router.get("/festivals/{festival_id}/leaderboard", response_model=FestivalFigures)
async def leaderboard(festival_id: int, request: Request, session: SessionDep, top: Top = 20):
    """Anyone: the countdown, the festival's GMV and the shops ranked by GMV (a few seconds old at most)."""
    festival = await service.get_festival(session=session, festival_id=festival_id)
    return await figures.get_figures(session=session, festival=festival, top=top,
                                     fx_per_usd=request.app.state.settings.fx_per_usd)


@router.get("/festivals/{festival_id}/totals", response_model=FestivalFigures)
async def totals(festival_id: int, request: Request, user: CurrentUser, session: SessionDep, top: Top = 100):
    """Operators, for the dashboard: the festival's GMV, orders and units, computed now."""
    check_operator(user)
    festival = await service.get_festival(session=session, festival_id=festival_id)
    return await figures.compute_figures(session=session, festival=festival, top=top,
                                         fx_per_usd=request.app.state.settings.fx_per_usd)
