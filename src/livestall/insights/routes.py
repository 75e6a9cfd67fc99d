"""HTTP: the operator dashboard (JSON and CSV), a show's, a shop's and a host's figures, and a refresh."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from livestall.accounts.deps import CurrentUser
from livestall.accounts.service import check_operator
from livestall.db import SessionDep
from livestall.insights import service
from livestall.insights.jobs import rollup_once
from livestall.runtime import get_runtime

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])

Day = Annotated[date | None, Query(description="UTC date, YYYY-MM-DD")]
Code = Annotated[str | None, Query(max_length=2)]


@router.get("/dashboard")
async def dashboard(request: Request, user: CurrentUser, session: SessionDep, start: Day = None, end: Day = None,
                    market: Code = None, language: Code = None) -> dict:
    """The operator dashboard: shows, viewers, GMV, top lists, hosts and growth, by market and language."""
    window = service.window_of(start=start, end=end, market=market, language=language)
    return await service.get_operator_dashboard(session=session, user=user, window=window,
                                                report_currency=request.app.state.settings.default_currency)


@router.get("/dashboard.csv")
async def dashboard_csv(request: Request, user: CurrentUser, session: SessionDep, start: Day = None,
                        end: Day = None, market: Code = None, language: Code = None, table: str = "days") -> Response:
    """One dashboard table as CSV (days, shows, hosts or shops)."""
    window = service.window_of(start=start, end=end, market=market, language=language)
    text = await service.get_dashboard_csv(session=session, user=user, window=window, table=table,
                                           report_currency=request.app.state.settings.default_currency)
    name = f"livestall-{table}-{window.start.isoformat()}-{window.end.isoformat()}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/shows/{show_id}")
async def show_metrics(show_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """One show's metrics, fresh from its events."""
    return await service.get_checked_show_metrics(session=session, user=user, show_id=show_id)


@router.get("/shops/{shop_id}")
async def shop_figures(shop_id: int, user: CurrentUser, session: SessionDep, start: Day = None,
                       end: Day = None) -> dict:
    """A shop's figures per day and per show."""
    window = service.window_of(start=start, end=end, default_days=30)
    return await service.get_shop_figures(session=session, user=user, shop_id=shop_id, window=window)


@router.get("/hosts/{host_id}")
async def host_figures(host_id: int, user: CurrentUser, session: SessionDep, start: Day = None,
                       end: Day = None) -> dict:
    """A host's figures per day and per show."""
    window = service.window_of(start=start, end=end, default_days=30)
    return await service.get_host_figures(session=session, user=user, host_id=host_id, window=window)


@router.post("/refresh")
async def refresh(request: Request, user: CurrentUser) -> dict:
    """Write buffered viewer sessions, sample viewers and roll the metrics up now (operators)."""
    check_operator(user)
    runtime = get_runtime(request)
    viewers = await runtime.insights.refresh() if runtime.insights is not None else 0
    rolled = await rollup_once(runtime.sessionmaker, runtime.settings, wait=True)
    return {"viewers_now": viewers, "shows_rolled_up": rolled}
