"""The operator dashboard: shows, viewers and GMV by day, top shows, hosts and shops, hosts, growth year on year.

Every figure comes from show_metrics (one row per show) and viewer_samples, grouped in SQL that reads the same on
SQLite and PostgreSQL, and is broken down by market and language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User, UserRole
from livestall.catalog.models import Shop
from livestall.insights.models import ShowMetrics, ViewerSample
from livestall.insights.recorder import SAMPLE_INTERVAL_S
from livestall.insights.window import Window
from livestall.shows.models import Show

M = ShowMetrics
TOTALS = (func.count().label("shows"), func.coalesce(func.sum(M.unique_viewers), 0).label("unique_viewers"),
          func.coalesce(func.max(M.peak_viewers), 0).label("peak_viewers"),
          func.coalesce(func.sum(M.watch_seconds), 0).label("watch_seconds"),
          func.coalesce(func.sum(M.orders), 0).label("orders"), func.coalesce(func.sum(M.buyers), 0).label("buyers"),
          func.coalesce(func.sum(M.units), 0).label("units"),
          func.coalesce(func.sum(M.gmv_report_minor), 0).label("gmv_minor"))
FIGURES = ("shows", "unique_viewers", "peak_viewers", "watch_seconds", "orders", "buyers", "units", "gmv_minor")


def _filtered(stmt, window: Window, shop_ids: Sequence[int] | None = None):
    stmt = stmt.where(M.day >= window.start.isoformat(), M.day <= window.end.isoformat())
    if window.market:
        stmt = stmt.where(M.market == window.market)
    if window.language:
        stmt = stmt.where(M.language == window.language)
    if shop_ids is not None:
        stmt = stmt.where(M.shop_id.in_(list(shop_ids)))
    return stmt


def _figures(row) -> dict:
    return {name: int(getattr(row, name)) for name in FIGURES}


def _add(into: dict, row: dict) -> None:
    for name in FIGURES:
        into[name] = max(into.get(name, 0), row[name]) if name == "peak_viewers" else into.get(name, 0) + row[name]


async def list_breakdown(*, session: AsyncSession, window: Window) -> list[dict]:
    """Figures per day, market and language (the rows behind the charts and the CSV export)."""
    stmt = _filtered(select(M.day, M.market, M.language, *TOTALS), window).group_by(M.day, M.market, M.language)
    rows = await session.execute(stmt.order_by(M.day, M.market, M.language))
    return [{"day": r.day, "market": r.market, "language": r.language, **_figures(r)} for r in rows]


def _roll(rows: list[dict], key: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for row in rows:
        _add(out.setdefault(row[key], {}), row)
    return out


async def list_top(*, session: AsyncSession, window: Window, by: str, limit: int = 10) -> list[dict]:
    """The top shows, hosts or shops of the window by GMV (then by peak viewers)."""
    if by == "shows":
        stmt = _filtered(select(M.show_id.label("id"), Show.title.label("name"), M.market, M.language,
                                M.unique_viewers, M.peak_viewers, M.watch_seconds, M.orders, M.buyers, M.units,
                                M.gmv_report_minor.label("gmv_minor"), literal(1).label("shows"))
                         .join(Show, Show.id == M.show_id), window)
        rows = await session.execute(stmt.order_by(M.gmv_report_minor.desc(), M.peak_viewers.desc(), M.show_id)
                                     .limit(limit))
        return [{"id": r.id, "name": r.name, "market": r.market, "language": r.language, **_figures(r)}
                for r in rows]
    column = M.host_id if by == "hosts" else M.shop_id
    stmt = _filtered(select(column.label("id"), *TOTALS), window).group_by(column)
    gmv = func.coalesce(func.sum(M.gmv_report_minor), 0)
    rows = (await session.execute(stmt.order_by(gmv.desc(), func.max(M.peak_viewers).desc(), column)
                                  .limit(limit))).all()
    ids = [r.id for r in rows]
    if by == "hosts":
        names = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))).all())
    else:
        names = dict((await session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(ids)))).all())
    return [{"id": r.id, "name": names.get(r.id, ""), **_figures(r)} for r in rows]


async def get_concurrent_now(*, session: AsyncSession, window: Window, now: datetime) -> dict:
    """Viewers in every room right now (the latest sample of every process), by market and language."""
    recent = now - timedelta(seconds=3 * SAMPLE_INTERVAL_S)
    latest = await session.scalar(select(func.max(ViewerSample.at)).where(ViewerSample.at >= recent))
    rows = []
    if latest is not None:
        stmt = (select(ViewerSample.market, ViewerSample.language, func.sum(ViewerSample.viewers).label("viewers"),
                       func.sum(ViewerSample.rooms).label("rooms"))
                .where(ViewerSample.at == latest, ViewerSample.rooms > 0)
                .group_by(ViewerSample.market, ViewerSample.language))
        stmt = _sample_filter(stmt, window)
        rows = [{"market": r.market, "language": r.language, "viewers": int(r.viewers), "rooms": int(r.rooms)}
                for r in await session.execute(stmt)]
    return {"at": latest.isoformat() if latest else None, "viewers": sum(r["viewers"] for r in rows),
            "rooms": sum(r["rooms"] for r in rows), "by_market_language": rows}


def _sample_filter(stmt, window: Window):
    if window.market:
        stmt = stmt.where(ViewerSample.market == window.market)
    if window.language:
        stmt = stmt.where(ViewerSample.language == window.language)
    return stmt


async def list_concurrent_by_hour(*, session: AsyncSession, window: Window) -> list[dict]:
    """The most viewers at once in each hour of the window (from the samples)."""
    stmt = _sample_filter(select(ViewerSample.at, func.sum(ViewerSample.viewers).label("viewers"))
                          .where(ViewerSample.at >= window.start_at, ViewerSample.at < window.end_at)
                          .group_by(ViewerSample.at), window)
    hours: dict[str, int] = {}
    for at, viewers in await session.execute(stmt):
        key = at.strftime("%Y-%m-%dT%H:00Z")
        hours[key] = max(hours.get(key, 0), int(viewers))
    return [{"hour": k, "viewers": v} for k, v in sorted(hours.items())]


async def list_registered_hosts(*, session: AsyncSession, window: Window, until: datetime) -> list[dict]:
    """Users holding the host role registered before `until`, by country (market) and language."""
    country = func.coalesce(User.country, "")
    stmt = (select(country.label("market"), User.language, func.count().label("hosts"))
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "host", User.created_at < until).group_by(country, User.language))
    if window.market:
        stmt = stmt.where(User.country == window.market)
    if window.language:
        stmt = stmt.where(User.language == window.language)
    return [{"market": r.market, "language": r.language, "hosts": int(r.hosts)} for r in await session.execute(stmt)]


def growth(now: int, before: int) -> float | None:
    """Percent change against the year before; None when there was nothing to compare with."""
    return round((now - before) * 100 / before, 1) if before else None


async def get_dashboard(*, session: AsyncSession, window: Window, now: datetime, report_currency: str,
                        top: int = 10) -> dict:
    """Everything the operator dashboard shows for the window, each figure also by market and by language."""
    rows = await list_breakdown(session=session, window=window)
    previous = window.last_year()
    before_rows = await list_breakdown(session=session, window=previous)
    totals: dict = {}
    before: dict = {}
    for row in rows:
        _add(totals, row)
    for row in before_rows:
        _add(before, row)
    by_day = _roll(rows, "day")
    days = [{"day": d, **by_day.get(d, {name: 0 for name in FIGURES})} for d in window.days]
    hosts = await list_registered_hosts(session=session, window=window, until=window.end_at)
    hosts_before = await list_registered_hosts(session=session, window=window, until=previous.end_at)
    host_total, host_before = sum(h["hosts"] for h in hosts), sum(h["hosts"] for h in hosts_before)
    empty = {name: 0 for name in FIGURES}
    totals, before = {**empty, **totals}, {**empty, **before}

    def breakdown(key: str) -> list[dict]:
        current, old = _roll(rows, key), _roll(before_rows, key)
        host_counts: dict[str, int] = {}
        for h in hosts:
            host_counts[h[key]] = host_counts.get(h[key], 0) + h["hosts"]
        return [{key: k, **empty, **current.get(k, {}), "hosts": host_counts.get(k, 0),
                 "gmv_growth_pct": growth(current.get(k, {}).get("gmv_minor", 0), old.get(k, {}).get("gmv_minor", 0)),
                 "shows_growth_pct": growth(current.get(k, {}).get("shows", 0), old.get(k, {}).get("shows", 0))}
                for k in sorted(set(current) | set(host_counts))]

    return {
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat(), "market": window.market,
                   "language": window.language},
        "report_currency": report_currency,
        "totals": {**totals, "registered_hosts": host_total},
        "last_year": {"start": previous.start.isoformat(), "end": previous.end.isoformat(), **before,
                      "registered_hosts": host_before},
        "growth_pct": {**{name: growth(totals[name], before[name]) for name in FIGURES if name != "peak_viewers"},
                       "registered_hosts": growth(host_total, host_before)},
        "days": days,
        "by_market": breakdown("market"),
        "by_language": breakdown("language"),
        "by_day_market_language": rows,
        "concurrent_now": await get_concurrent_now(session=session, window=window, now=now),
        "concurrent_by_hour": await list_concurrent_by_hour(session=session, window=window),
        "top_shows": await list_top(session=session, window=window, by="shows", limit=top),
        "top_hosts": await list_top(session=session, window=window, by="hosts", limit=top),
        "top_shops": await list_top(session=session, window=window, by="shops", limit=top),
    }


async def get_window_totals(*, session: AsyncSession, start: datetime, end: datetime,
                            shop_ids: Sequence[int] | None = None, top: int = 100) -> dict:
    """Totals of the shows started in [start, end), optionally of some shops only, and the shops ranked by GMV.

    Made for time-boxed events such as festivals; GMV is in the reporting currency of show_metrics.
    """
    stmt = select(*TOTALS).where(M.started_at >= start, M.started_at < end)
    by_shop = select(M.shop_id, *TOTALS).where(M.started_at >= start, M.started_at < end)
    if shop_ids is not None:
        stmt, by_shop = stmt.where(M.shop_id.in_(list(shop_ids))), by_shop.where(M.shop_id.in_(list(shop_ids)))
    totals = _figures((await session.execute(stmt)).one())
    gmv = func.coalesce(func.sum(M.gmv_report_minor), 0)
    shops = (await session.execute(by_shop.group_by(M.shop_id).order_by(gmv.desc(), M.shop_id).limit(top))).all()
    return {"totals": totals, "shops": [{"shop_id": r.shop_id, **_figures(r)} for r in shops]}
