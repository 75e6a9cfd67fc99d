"""The demo world's agency: made once, with certified hosts booked onto the brand's shows."""

from __future__ import annotations

from tests.helpers_db import run_sql
from tests.test_cli import livestall

COUNTS = ("SELECT (SELECT count(*) FROM agencies), (SELECT count(*) FROM host_profiles), "
          "(SELECT count(*) FROM module_completions), (SELECT count(*) FROM bookings)")


def test_demo_agency_is_made_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    assert livestall(tmp_path, url, "demo").returncode == 0
    counts = run_sql(url, COUNTS)
    assert livestall(tmp_path, url, "demo").returncode == 0
    assert run_sql(url, COUNTS) == counts == [(1, 6, 14, 3)]
    rows = run_sql(url, "SELECT h.display_name, h.stage, h.fee_minor, h.fee_currency, b.status, s.language "
                        "FROM bookings b JOIN host_profiles h ON h.id = b.host_id JOIN shows s ON s.id = b.show_id "
                        "JOIN agencies a ON a.id = b.agency_id WHERE a.name = 'Silk Road Talent' ORDER BY s.language")
    assert [(r[0].split()[0], r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("James", "active", 150000, "CNY", "accepted", "en"), ("Lucía", "active", 150000, "CNY", "accepted", "es"),
        ("Camille", "active", 150000, "CNY", "accepted", "fr")]


def test_demo_bookings_are_at_afternoon_or_evening_hours_for_their_hosts(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    assert livestall(tmp_path, url, "demo").returncode == 0
    rows = run_sql(url, "SELECT b.starts_at, h.timezone, s.scheduled_at FROM bookings b "
                        "JOIN host_profiles h ON h.id = b.host_id JOIN shows s ON s.id = b.show_id")
    assert len(rows) == 3
    for starts_at, tz, scheduled_at in rows:
        start = datetime.fromisoformat(str(starts_at)).replace(tzinfo=ZoneInfo("UTC"))
        assert str(starts_at) == str(scheduled_at)  # the booking and its show start together
        assert 14 <= start.astimezone(ZoneInfo(tz)).hour <= 21, (starts_at, tz)
