"""The insights figures count viewers by the room's rule: overlapping stays of one viewer are one viewer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from livestall.insights.figures import viewer_figures

START = datetime(2025, 11, 11, 20, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_many_sockets_of_one_viewer_are_one_viewer_in_every_figure():
    stays = [("b:one-browser-000001", at(0), at(30)) for _ in range(300)]  # one client, 300 sockets at once
    stays += [("42", at(1), at(3)), ("42", at(2), at(4)), ("42", at(2.5), at(20))]  # a user, three tabs
    stays += [("anon:n1:7", at(12), at(13))]  # a socket without a browser id counts on its own
    figures = viewer_figures(stays, started_at=START, until=at(30), series=True)
    assert (figures.peak, figures.unique, figures.first_10min) == (3, 3, 2)
    assert figures.watch_seconds == (30 + 19 + 1) * 60  # each viewer's time there, not each socket's
    assert figures.per_minute[0] == 1 and figures.per_minute[2] == 2 and figures.per_minute[12] == 3
    assert max(figures.per_minute) == 3 and figures.per_minute[25] == 1


def test_a_viewer_who_reconnects_makes_no_false_peak():
    stays = [("7", at(0), at(5)), ("7", at(5), at(9)), ("8", at(0), at(9))]
    assert viewer_figures(stays, started_at=START, until=at(9)).peak == 2
