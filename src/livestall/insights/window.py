"""Checked reporting windows (whole UTC days) and filters, and the same window a year earlier."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from livestall.accounts.models import LANGUAGES
from livestall.errors import Invalid

MAX_DAYS = 366


def year_earlier(day: date) -> date:
    """The same calendar day a year earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Window:
    """Whole UTC days from `start` to `end` (both included), optionally one market and one language."""

    start: date
    end: date
    market: str | None = None
    language: str | None = None

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def end_at(self) -> datetime:
        """The first instant after the window."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> list[str]:
        return [(self.start + timedelta(days=i)).isoformat() for i in range((self.end - self.start).days + 1)]

    def last_year(self) -> Window:
        return replace(self, start=year_earlier(self.start), end=year_earlier(self.end))


def make_window(*, start: date | None, end: date | None, market: str | None = None, language: str | None = None,
                today: date, default_days: int = 7) -> Window:
    """A checked window; by default the last `default_days` days up to today."""
    end = end or today
    start = start or end - timedelta(days=default_days - 1)
    if end < start:
        raise Invalid.field("end", "after_start", "the window must end on or after its start")
    if (end - start).days + 1 > MAX_DAYS:
        raise Invalid.field("end", "max_days", f"a window spans at most {MAX_DAYS} days")
    if market is not None and market != "":
        if len(market) != 2 or not market.isalpha():
            raise Invalid.field("market", "iso_country", "must be a two-letter country code, such as ES")
        market = market.upper()
    if language and language not in LANGUAGES:
        raise Invalid.field("language", "one_of", f"must be one of {', '.join(LANGUAGES)}")
    return Window(start, end, market or None, language or None)
