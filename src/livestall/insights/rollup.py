"""Per-show metrics from the raw rows (sessions, chat, questions, likes, orders), and the rollup into show_metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, delete, distinct, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Shop
from livestall.chat.models import ChatMessage, Question
from livestall.db import utcnow
from livestall.insights.figures import ViewerFigures, viewer_figures
from livestall.insights.models import ShowMetrics, ViewerSession
from livestall.insights.opening_sales import OPENING_PROVIDER, OpeningSales, opening_sales
from livestall.money import Money, convert
from livestall.orders.models import MONEY_IN, Order
from livestall.shows.models import Show

BATCH = 500
# An ended show's last joins and leaves may still be in a process's write buffer: wait this long to call it final.
SETTLE = timedelta(seconds=30)

# An opening's shipping order (at 0) delivers the opening already counted: no sale of its own.
_not_an_opening = func.coalesce(Order.payment_provider, "") != OPENING_PROVIDER


@dataclass
class ShowFigures:
    """Every figure of one show: its audience, its room and its sales."""

    show: Show
    shop_currency: str
    viewers: ViewerFigures
    chat_messages: int
    likes: int
    questions: int
    orders: int
    buyers: int
    units: int
    gmv: Money

    @property
    def conversion(self) -> float:
        """Buyers ÷ unique viewers (0 when nobody watched)."""
        return round(self.buyers / self.viewers.unique, 4) if self.viewers.unique else 0.0


async def compute_figures(session: AsyncSession, shows: Sequence[Show], *, now: datetime,
                          series: bool = False) -> list[ShowFigures]:
    """The figures of started shows, each read with a handful of grouped queries for the whole batch."""
    ids = [s.id for s in shows]
    if not ids:
        return []
    sessions: dict[int, list[tuple[str, datetime, datetime | None]]] = {i: [] for i in ids}
    rows = await session.execute(select(ViewerSession.show_id, ViewerSession.viewer_key, ViewerSession.joined_at,
                                        ViewerSession.left_at).where(ViewerSession.show_id.in_(ids)))
    for show_id, key, joined, left in rows:
        sessions[show_id].append((key, joined, left))
    chat = dict((await session.execute(
        select(ChatMessage.show_id, func.count()).where(ChatMessage.show_id.in_(ids), ChatMessage.deleted_at.is_(None))
        .group_by(ChatMessage.show_id))).all())
    questions = dict((await session.execute(
        select(Question.show_id, func.count()).where(Question.show_id.in_(ids), Question.status != "deleted")
        .group_by(Question.show_id))).all())
    sales = {r.show_id: r for r in await session.execute(
        select(Order.show_id, func.count().label("orders"), func.count(distinct(Order.buyer_id)).label("buyers"),
               func.coalesce(func.sum(Order.quantity), 0).label("units"),
               func.coalesce(func.sum(Order.total_minor), 0).label("gmv"))
        .where(Order.show_id.in_(ids), Order.status.in_(MONEY_IN), _not_an_opening).group_by(Order.show_id))}
    openings = await opening_sales(session, ids)
    also_ordered = await _opening_buyers_who_ordered(session, openings)
    currencies = dict((await session.execute(
        select(Shop.id, Shop.currency).where(Shop.id.in_({s.shop_id for s in shows})))).all())
    out = []
    for show in shows:
        until = min(show.ended_at or now, now)
        figures = viewer_figures(sessions[show.id], started_at=show.started_at, until=until,
                                 exclude={str(show.host_id)}, series=series)
        sale = sales.get(show.id)
        currency = currencies.get(show.shop_id, "CNY")
        # Paid openings are sales too (a ticket: one sale, one unit, its price), in the shop's currency like orders.
        opened = openings.get(show.id, OpeningSales())
        buyers = (sale.buyers if sale else 0) + len(opened.buyers - also_ordered.get(show.id, set()))
        out.append(ShowFigures(show, currency, figures, chat.get(show.id, 0), show.likes, questions.get(show.id, 0),
                               (sale.orders if sale else 0) + opened.tickets, buyers,
                               (int(sale.units) if sale else 0) + opened.tickets,
                               Money((int(sale.gmv) if sale else 0) + opened.revenue_minor, currency)))
    return out



async def _opening_buyers_who_ordered(session: AsyncSession, openings: dict[int, OpeningSales]) -> dict[int, set[int]]:
    """Of each show's opening buyers, those who also bought an order there (so that a buyer counts once)."""
    show_ids = [show_id for show_id, sale in openings.items() if sale.buyers]
    if not show_ids:
        return {}
    buyer_ids = set().union(*(openings[show_id].buyers for show_id in show_ids))
    rows = await session.execute(select(Order.show_id, Order.buyer_id).distinct().where(
        Order.show_id.in_(show_ids), Order.buyer_id.in_(buyer_ids), Order.status.in_(MONEY_IN), _not_an_opening))
    found: dict[int, set[int]] = {}
    for show_id, buyer_id in rows:
        found.setdefault(show_id, set()).add(buyer_id)
    return found


def metrics_row(figures: ShowFigures, *, final: bool, now: datetime, report_currency: str,
                fx_per_usd: dict[str, Decimal]) -> dict:
    """The show_metrics row of a show's figures."""
    show, v = figures.show, figures.viewers
    report = convert(figures.gmv, report_currency, fx_per_usd)
    return {"show_id": show.id, "shop_id": show.shop_id, "host_id": show.host_id, "market": show.market,
            "language": show.language, "day": show.started_at.date().isoformat(), "started_at": show.started_at,
            "ended_at": show.ended_at, "final": final, "peak_viewers": v.peak, "unique_viewers": v.unique,
            "viewers_10min": v.first_10min, "watch_seconds": v.watch_seconds, "chat_messages": figures.chat_messages,
            "likes": figures.likes, "questions": figures.questions, "orders": figures.orders,
            "buyers": figures.buyers, "units": figures.units, "gmv_minor": figures.gmv.amount_minor,
            "currency": figures.gmv.currency, "gmv_report_minor": report.amount_minor if report else 0,
            "report_currency": report_currency, "updated_at": now}


async def do_rollup(*, session: AsyncSession, report_currency: str, fx_per_usd: dict[str, Decimal],
                    now: datetime | None = None, limit: int = 100_000) -> int:
    """Roll up live shows and ended shows not yet final into show_metrics; returns how many shows were written."""
    now = now or utcnow()
    pending = (select(Show).outerjoin(ShowMetrics, ShowMetrics.show_id == Show.id)
               .where(Show.started_at.is_not(None),
                      or_(Show.status == "live",
                          and_(Show.status == "ended", or_(ShowMetrics.show_id.is_(None), ShowMetrics.final.is_(False)))))
               .order_by(Show.id).limit(limit))
    shows = list((await session.scalars(pending)).all())
    for start in range(0, len(shows), BATCH):
        batch = shows[start:start + BATCH]
        figures = await compute_figures(session, batch, now=now)
        rows = [metrics_row(f, final=f.show.status == "ended" and f.show.ended_at is not None
                            and f.show.ended_at <= now - SETTLE, now=now, report_currency=report_currency,
                            fx_per_usd=fx_per_usd) for f in figures]
        for f in figures:  # the show's own counters, as its page and listings show them
            f.show.peak_viewers, f.show.unique_viewers = f.viewers.peak, f.viewers.unique
        # Replace rather than upsert: the same two statements on SQLite and PostgreSQL.
        await session.execute(delete(ShowMetrics).where(ShowMetrics.show_id.in_([s.id for s in batch])))
        await session.execute(insert(ShowMetrics), rows)
    return len(shows)
