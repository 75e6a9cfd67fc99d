"""Viewer figures of one show from its sessions: peak, unique, first ten minutes, watch time, viewers over time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from livestall.realtime.audience import sweep

FIRST_MINUTES = 10
MAX_MINUTES = 48 * 60  # a longer show's series is cut there


@dataclass
class ViewerFigures:
    """What the sessions of one show say about its audience while it was live."""

    peak: int = 0
    unique: int = 0
    first_10min: int = 0
    watch_seconds: int = 0
    per_minute: list[int] = field(default_factory=list)  # most viewers at once in each minute since the start


def viewer_figures(sessions: Iterable[tuple[str, datetime, datetime | None]], *, started_at: datetime,
                   until: datetime, exclude: set[str] = frozenset(), series: bool = False) -> ViewerFigures:
    """Figures from (viewer key, joined, left or None) rows, each stay clipped to the live window [started_at, until].

    Viewers are counted by the room's rule (realtime/audience.py): one key is one viewer,
    however many of its stays overlap; watch time is the time each viewer was there at all.
    """
    first_end = started_at + timedelta(minutes=FIRST_MINUTES)
    viewers: set[str] = set()
    first: set[str] = set()
    stays: list[tuple[str, datetime, datetime]] = []
    for key, joined, left in sessions:
        if key in exclude:
            continue
        start = max(joined, started_at)
        end = min(left or until, until)
        if end <= start:  # came and went before the start, or joined after the end
            continue
        viewers.add(key)
        if start < first_end:
            first.add(key)
        stays.append((key, start, end))
    peak = current = 0
    watch = 0.0
    previous = started_at
    minutes: list[int] = []
    last_minute = min(int((until - started_at).total_seconds() // 60), MAX_MINUTES - 1)
    for at, before, current in sweep(stays):
        watch += before * (at - previous).total_seconds()
        previous = at
        peak = max(peak, current)
        if series:
            index = min(int((at - started_at).total_seconds() // 60), last_minute)
            while len(minutes) <= index:  # minutes without a change hold the count before this event
                minutes.append(before)
            minutes[index] = max(minutes[index], current)
    if series:
        while len(minutes) <= last_minute:
            minutes.append(current)
    return ViewerFigures(peak, len(viewers), len(first), int(watch), minutes)
