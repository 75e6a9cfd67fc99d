"""A seller's own figures: a shop's or a host's shows rolled up by day, and each of their shows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.insights.dashboard import FIGURES, TOTALS, _add, _figures
from livestall.insights.models import ShowMetrics as M
from livestall.insights.window import Window
from livestall.shows.models import Show


async def get_rollup(*, session: AsyncSession, window: Window, shop_id: int | None = None,
                     host_id: int | None = None) -> dict:
    """One shop's (or one host's) figures per day over the window, their totals, and each show."""
    column, value = (M.shop_id, shop_id) if shop_id is not None else (M.host_id, host_id)
    where = [column == value, M.started_at >= window.start_at, M.started_at < window.end_at]
    rows = await session.execute(select(M.day, *TOTALS).where(*where).group_by(M.day))
    by_day = {r.day: _figures(r) for r in rows}
    empty = {name: 0 for name in FIGURES}
    days = [{"day": d, **by_day.get(d, empty)} for d in window.days]
    totals = dict(empty)
    for row in by_day.values():
        _add(totals, row)
    shows = await session.execute(
        select(M, Show.title).join(Show, Show.id == M.show_id).where(*where).order_by(M.started_at.desc()).limit(500))
    return {
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "totals": totals, "days": days,
        "shows": [{"show_id": m.show_id, "title": title, "day": m.day, "market": m.market, "language": m.language,
                   "final": m.final, "peak_viewers": m.peak_viewers, "unique_viewers": m.unique_viewers,
                   "viewers_first_10_minutes": m.viewers_10min, "watch_seconds": m.watch_seconds,
                   "chat_messages": m.chat_messages, "likes": m.likes, "questions": m.questions, "orders": m.orders,
                   "buyers": m.buyers, "units": m.units, "gmv_minor": m.gmv_minor, "currency": m.currency,
                   "conversion": round(m.buyers / m.unique_viewers, 4) if m.unique_viewers else 0.0}
                  for m, title in shows],
    }
