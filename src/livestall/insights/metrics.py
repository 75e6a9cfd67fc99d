"""One show's metrics, read fresh from the raw rows: for the show's own page, and for other areas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.db import get_or_404, utcnow
from livestall.insights.rollup import ShowFigures, compute_figures
from livestall.shows.models import Show


async def get_show_figures(*, session: AsyncSession, show_id: int, now: datetime | None = None,
                           series: bool = True) -> ShowFigures | None:
    """The show's figures now; None for a show that never started."""
    show = await get_or_404(session, Show, show_id)
    if show.started_at is None:
        return None
    return (await compute_figures(session, [show], now=now or utcnow(), series=series))[0]


def figures_view(show: Show, figures: ShowFigures | None) -> dict:
    """The JSON view of a show's figures (zeros for a show that never started)."""
    v = figures.viewers if figures else None
    gmv = figures.gmv.as_dict() if figures else None
    return {
        "show_id": show.id, "shop_id": show.shop_id, "host_id": show.host_id, "title": show.title,
        "status": show.status, "market": show.market, "language": show.language,
        "started_at": show.started_at.isoformat() if show.started_at else None,
        "ended_at": show.ended_at.isoformat() if show.ended_at else None,
        "peak_viewers": v.peak if v else 0, "unique_viewers": v.unique if v else 0,
        "viewers_first_10_minutes": v.first_10min if v else 0, "watch_seconds": v.watch_seconds if v else 0,
        "concurrent_per_minute": v.per_minute if v else [],
        "chat_messages": figures.chat_messages if figures else 0, "likes": figures.likes if figures else show.likes,
        "questions": figures.questions if figures else 0, "orders": figures.orders if figures else 0,
        "buyers": figures.buyers if figures else 0, "units": figures.units if figures else 0,
        "gmv": gmv, "conversion": figures.conversion if figures else 0.0,
    }


async def get_show_metrics(session: AsyncSession, *, show_id: int, now: datetime | None = None) -> dict:
    """Every figure of one show (viewers in the first 10 minutes among them), fresh from its events."""
    figures = await get_show_figures(session=session, show_id=show_id, now=now)
    show = figures.show if figures else await session.get(Show, show_id)
    return figures_view(show, figures)
