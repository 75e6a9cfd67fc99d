"""Scorecards per host and per agency: shows, hours, viewers, questions answered, GMV and conversion, by market."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.agency.fees import PAID_STATUSES
from livestall.agency.models import Booking, HostProfile
from livestall.chat.models import Question
from livestall.insights.models import ShowMetrics
from livestall.money import Money
from livestall.orders.models import Order
from livestall.shows.models import Show


class Figures(BaseModel):
    market: str | None = None
    shows: int
    hours: float
    avg_peak_viewers: int
    peak_viewers: int
    viewers_at_10_min: int  # average per show of the viewers who came in its first 10 minutes
    unique_viewers: int
    questions_answered: int
    orders: int
    buyers: int
    gmv: list[dict]
    conversion: float  # buyers per unique viewer


class Scorecard(BaseModel):
    host_id: int | None
    display_name: str
    totals: Figures
    by_market: list[Figures]


@dataclass
class _Tally:
    shows: int = 0
    seconds: float = 0
    peaks: list[int] = field(default_factory=list)
    early: list[int] = field(default_factory=list)
    unique: int = 0
    answered: int = 0
    orders: int = 0
    buyers: int = 0
    gmv: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, show: Show, viewers: tuple[int, int, int], answered: int, orders: int, buyers: int,
            gmv: tuple[str, int] | None) -> None:
        peak, unique, early = viewers
        self.shows += 1
        if show.started_at and show.ended_at:
            self.seconds += (show.ended_at - show.started_at).total_seconds()
        self.peaks.append(peak)
        self.early.append(early)
        self.unique += unique
        self.answered += answered
        self.orders += orders
        self.buyers += buyers
        if gmv:
            self.gmv[gmv[0]] += gmv[1]

    def figures(self, market: str | None = None) -> Figures:
        return Figures(market=market, shows=self.shows, hours=round(self.seconds / 3600, 2),
                       avg_peak_viewers=round(sum(self.peaks) / len(self.peaks)) if self.peaks else 0,
                       peak_viewers=max(self.peaks, default=0),
                       viewers_at_10_min=round(sum(self.early) / len(self.early)) if self.early else 0,
                       unique_viewers=self.unique,
                       questions_answered=self.answered, orders=self.orders, buyers=self.buyers,
                       gmv=[Money(a, c).as_dict() for c, a in sorted(self.gmv.items())],
                       conversion=round(self.buyers / self.unique, 4) if self.unique else 0.0)


async def list_scorecards(*, session: AsyncSession, agency_id: int, host_id: int | None = None) -> list[Scorecard]:
    """One scorecard per host of the agency (or just `host_id`), then the agency's own (host_id None) last."""
    query = (select(Booking.host_id, Show).join(Show, Show.id == Booking.show_id)
             .where(Booking.agency_id == agency_id, Booking.status == "accepted", Show.status == "ended"))
    if host_id is not None:
        query = query.where(Booking.host_id == host_id)
    held = (await session.execute(query)).all()
    show_ids = [show.id for _, show in held]
    answered, sales, viewers = {}, {}, {}
    if show_ids:
        # Every viewer figure comes from the show's rolled-up metrics, counted by the room's rule
        # (realtime/audience.py): a person is one viewer however many sockets they opened.
        viewers = {sid: (peak, unique, early) for sid, peak, unique, early in (await session.execute(
            select(ShowMetrics.show_id, ShowMetrics.peak_viewers, ShowMetrics.unique_viewers, ShowMetrics.viewers_10min)
            .where(ShowMetrics.show_id.in_(show_ids)))).all()}
        answered = dict((await session.execute(
            select(Question.show_id, func.count()).where(Question.show_id.in_(show_ids), Question.status == "answered")
            .group_by(Question.show_id))).all())
        for sid, currency, count, buyers, total in (await session.execute(
                select(Order.show_id, Order.currency, func.count(), func.count(func.distinct(Order.buyer_id)),
                       func.sum(Order.total_minor))
                .where(Order.show_id.in_(show_ids), Order.status.in_(PAID_STATUSES))
                .group_by(Order.show_id, Order.currency))).all():
            sales[sid] = (int(count), int(buyers), (currency, int(total)))
    hosts = {h.id: h for h in await session.scalars(select(HostProfile).where(HostProfile.agency_id == agency_id))}
    per_host: dict[int, dict[str | None, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
    agency: dict[str | None, _Tally] = defaultdict(_Tally)
    for hid, show in held:
        count, buyers, gmv = sales.get(show.id, (0, 0, None))
        for tallies in (per_host[hid], agency):
            for key in (None, show.market):
                tallies[key].add(show, viewers.get(show.id, (0, 0, 0)), answered.get(show.id, 0), count, buyers,
                                 gmv)
    cards = [_card(hid, hosts[hid].display_name, per_host[hid]) for hid in sorted(per_host) if hid in hosts]
    if host_id is None:
        cards.append(_card(None, "", agency))
    return cards


def _card(host_id: int | None, name: str, tallies: dict[str | None, _Tally]) -> Scorecard:
    totals = tallies[None].figures() if None in tallies else _Tally().figures()
    markets = [tallies[m].figures(m) for m in sorted(k for k in tallies if k is not None)]
    return Scorecard(host_id=host_id, display_name=name, totals=totals, by_market=markets)


CSV_COLUMNS = ("host_id", "host", "market", "shows", "hours", "avg_peak_viewers", "peak_viewers", "viewers_at_10_min",
               "unique_viewers", "questions_answered", "orders", "buyers", "conversion", "gmv")


def scorecards_csv(cards: list[Scorecard]) -> str:
    """The scorecards as CSV: one row per host and market, then the host's total (market "all")."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for card in cards:
        for figures in [*card.by_market, card.totals]:
            gmv = " + ".join(f"{Money(m['amount_minor'], m['currency']).decimal} {m['currency']}"
                             for m in figures.gmv)
            writer.writerow([card.host_id or "", card.display_name or "agency", figures.market or "all",
                             figures.shows, figures.hours, figures.avg_peak_viewers, figures.peak_viewers,
                             figures.viewers_at_10_min, figures.unique_viewers, figures.questions_answered, figures.orders, figures.buyers,
                             figures.conversion, gmv])
    return out.getvalue()

