"""Insights pages: the operator dashboard, and each seller's and host's own show and shop figures."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter

from livestall.accounts.service import check_operator
from livestall.auctions.service import list_auctions, show_totals
from livestall.catalog.models import Shop
from livestall.db import SessionDep
from livestall.errors import Invalid
from livestall.festivals.service import list_festivals_between
from livestall.giveaways.coupons import show_figures as giveaway_figures
from livestall.insights import festivals as festival_figures
from livestall.insights import service
from livestall.money import Money
from livestall.web.pages.common import PageDep, PageRoute, render, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _date(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid.field(field, "date", "must be a date such as 2026-11-11") from None


def bars(rows: list[dict], key: str, label: str = "day") -> list[dict]:
    """Points for a bar chart: each row's `key` with its label, scaled to the largest (0–100)."""
    top = max((r[key] for r in rows), default=0) or 1
    return [{"label": r[label], "value": r[key], "pct": round(r[key] * 100 / top, 1)} for r in rows]


@router.get("/insights")
async def dashboard_page(page: PageDep, session: SessionDep, start: str | None = None, end: str | None = None,
                         market: str | None = None, language: str | None = None):
    """The operator dashboard with charts, breakdowns and CSV links."""
    user = require_user(page)
    check_operator(user)
    window = service.window_of(start=_date(start, "start"), end=_date(end, "end"), market=market, language=language)
    currency = page.settings.default_currency
    data = await service.get_operator_dashboard(session=session, user=user, window=window, report_currency=currency)
    festivals = [await festival_figures.get_figures(session=session, festival=festival, top=3,
                                                    fx_per_usd=page.settings.fx_per_usd)
                 for festival in await list_festivals_between(
                     session=session, start=window.start_at, end=window.end_at)]
    query = {k: v for k, v in {"start": window.start.isoformat(), "end": window.end.isoformat(),
                               "market": window.market, "language": window.language}.items() if v}
    return render(page, "insights/dashboard.html", {
        "d": data, "window": window, "currency": currency, "festivals": festivals, "money": lambda minor: Money(int(minor), currency),
        "gmv_text": lambda minor: page.l10n.money(Money(int(minor), currency)), "csv_query": urlencode(query), "show_bars": bars(data["days"], "shows"),
        "gmv_bars": bars(data["days"], "gmv_minor"), "hour_bars": bars(data["concurrent_by_hour"], "viewers", "hour"),
    })


@router.get("/insights/mine")
async def my_figures_page(page: PageDep, session: SessionDep):
    """The shops the user runs and their own shows, with the last 30 days' figures."""
    user = require_user(page)
    window = service.window_of(start=None, end=None, default_days=30)
    rows = await service.list_my_shop_totals(session=session, user=user, window=window)
    hosted = await service.get_host_figures(session=session, user=user, host_id=user.id, window=window)
    return render(page, "insights/mine.html", {"rows": rows, "hosted": hosted, "window": window,
                                               "currency": page.settings.default_currency})


async def _figures_page(page, session, *, kind: str, target_id: int, start: str | None, end: str | None):
    user = require_user(page)
    window = service.window_of(start=_date(start, "start"), end=_date(end, "end"), default_days=30)
    if kind == "shop":
        figures = await service.get_shop_figures(session=session, user=user, shop_id=target_id, window=window)
        shop = await session.get(Shop, target_id)
        title, currency = (shop.name if shop else ""), page.settings.default_currency
    else:
        figures = await service.get_host_figures(session=session, user=user, host_id=target_id, window=window)
        title, currency = "", page.settings.default_currency
    return render(page, "insights/figures.html", {
        "kind": kind, "title": title, "f": figures, "window": window, "currency": currency,
        "money": lambda minor, cur=currency: Money(int(minor), cur),
        "gmv_text": lambda minor, cur=currency: page.l10n.money(Money(int(minor), cur)),
        "viewer_bars": bars(figures["days"], "unique_viewers"), "gmv_bars": bars(figures["days"], "gmv_minor"),
    })


@router.get("/insights/shops/{shop_id}")
async def shop_figures_page(shop_id: int, page: PageDep, session: SessionDep, start: str | None = None,
                            end: str | None = None):
    """One shop's figures by day and by show."""
    return await _figures_page(page, session, kind="shop", target_id=shop_id, start=start, end=end)


@router.get("/insights/hosts/{host_id}")
async def host_figures_page(host_id: int, page: PageDep, session: SessionDep, start: str | None = None,
                            end: str | None = None):
    """One host's figures by day and by show."""
    return await _figures_page(page, session, kind="host", target_id=host_id, start=start, end=end)


@router.get("/insights/shows/{show_id}")
async def show_figures_page(show_id: int, page: PageDep, session: SessionDep):
    """One show's figures and its viewers minute by minute."""
    user = require_user(page)
    m = await service.get_checked_show_metrics(session=session, user=user, show_id=show_id)
    minutes = [{"label": i, "value": v} for i, v in enumerate(m["concurrent_per_minute"])]
    top = max((p["value"] for p in minutes), default=0) or 1
    for p in minutes:
        p["pct"] = round(p["value"] * 100 / top, 1)
    auctions = await list_auctions(session=session, show_id=show_id)
    live_formats = {"auctions": await show_totals(session=session, auctions=auctions),
                    "giveaways": await giveaway_figures(session, show_id)}
    return render(page, "insights/show.html", {"m": m, "minutes": minutes, "formats": live_formats})
