"""The demo's shows keep their hosts: the hosts from outside a shop are on record as having said yes."""

from __future__ import annotations

from tests.helpers_db import run_sql
from tests.test_cli import livestall

HOSTS = ("SELECT u.email, s.status, i.status FROM shows s JOIN users u ON u.id = s.host_id "
         "LEFT JOIN show_host_invitations i ON i.show_id = s.id AND i.user_id = s.host_id ORDER BY s.scheduled_at")


def test_demo_shows_have_their_hosts_and_outside_hosts_accepted(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    assert livestall(tmp_path, url, "demo").returncode == 0
    assert livestall(tmp_path, url, "demo").returncode == 0
    rows = run_sql(url, HOSTS)
    assert [(email.split("@")[0], status, answer) for email, status, answer in rows] == [
        ("mei", "live", None), ("chen", "scheduled", None), ("lucia", "scheduled", "accepted"),
        ("camille", "scheduled", "accepted"), ("james", "scheduled", "accepted")]
    assert run_sql(url, "SELECT count(*) FROM show_host_invitations WHERE status = 'proposed'") == [(0,)]
