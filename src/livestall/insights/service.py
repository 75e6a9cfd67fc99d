"""The insights services the routes and pages call: checked reads of dashboards and figures, and a refresh."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.accounts.service import check_operator
from livestall.catalog.models import Shop
from livestall.db import get_or_404, utcnow
from livestall.errors import Invalid
from livestall.insights import access
from livestall.insights.dashboard import FIGURES, get_dashboard, get_window_totals, list_breakdown, list_top
from livestall.insights.metrics import get_show_metrics
from livestall.insights.sellers import get_rollup
from livestall.insights.window import Window, make_window
from livestall.shows.models import Show

CSV_TABLES = ("days", "shows", "hosts", "shops")


def window_of(*, start: date | None, end: date | None, market: str | None = None, language: str | None = None,
              default_days: int = 7) -> Window:
    """The checked window of a request (default: the last week, today included)."""
    return make_window(start=start, end=end, market=market, language=language, today=utcnow().date(),
                       default_days=default_days)


async def get_operator_dashboard(*, session: AsyncSession, user: User, window: Window, report_currency: str) -> dict:
    """The operator dashboard for the window."""
    check_operator(user)
    return await get_dashboard(session=session, window=window, now=utcnow(), report_currency=report_currency)


async def get_dashboard_csv(*, session: AsyncSession, user: User, window: Window, table: str,
                            report_currency: str) -> str:
    """One table of the operator dashboard as CSV, reading that table alone: per day, market and language,
    or the top shows, hosts or shops."""
    check_operator(user)
    if table not in CSV_TABLES:
        raise Invalid.field("table", "one_of", f"must be one of {', '.join(CSV_TABLES)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [n if n != "gmv_minor" else f"gmv_minor_{report_currency.lower()}" for n in FIGURES]
    if table == "days":
        head = ["day", "market", "language"]
        rows = await list_breakdown(session=session, window=window)
    else:
        head = ["id", "name", *(["market", "language"] if table == "shows" else [])]
        rows = await list_top(session=session, window=window, by=table)
    writer.writerow([*head, *names])
    for row in rows:
        writer.writerow([row[h] for h in head] + [row[n] for n in FIGURES])
    return out.getvalue()


async def get_checked_show_metrics(*, session: AsyncSession, user: User, show_id: int) -> dict:
    """One show's figures, for its host, its shop's people and operators."""
    show = await get_or_404(session, Show, show_id)
    await access.check_show_figures(session=session, show=show, user=user)
    return await get_show_metrics(session, show_id=show_id)


async def get_shop_figures(*, session: AsyncSession, user: User, shop_id: int, window: Window) -> dict:
    """A shop's figures by day and by show, for the people who run it and operators."""
    await access.check_shop_figures(session=session, shop_id=shop_id, user=user)
    return {"shop_id": shop_id, **await get_rollup(session=session, window=window, shop_id=shop_id)}


async def get_host_figures(*, session: AsyncSession, user: User, host_id: int, window: Window) -> dict:
    """A host's figures by day and by show, for the host and operators."""
    access.check_host_figures(host_id=host_id, user=user)
    return {"host_id": host_id, **await get_rollup(session=session, window=window, host_id=host_id)}


async def list_my_shop_totals(*, session: AsyncSession, user: User, window: Window) -> list[dict]:
    """Each shop the user runs, by name, with its totals over the window: one query for all of them."""
    shop_ids = await access.list_member_shop_ids(session=session, user=user)
    if not shop_ids:
        return []
    shops = await session.scalars(select(Shop).where(Shop.id.in_(shop_ids)).order_by(Shop.name))
    ranked = await get_window_totals(session=session, start=window.start_at, end=window.end_at, shop_ids=shop_ids,
                                     top=len(shop_ids))
    by_shop = {row.pop("shop_id"): row for row in ranked["shops"]}
    empty = {name: 0 for name in FIGURES}
    return [{"shop": shop, "totals": by_shop.get(shop.id, empty)} for shop in shops]
