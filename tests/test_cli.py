"""The `livestall` command: demo is idempotent, create-admin makes an operator."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers_db import run_sql


def livestall(tmp_path, database_url, *args, input=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "LIVESTALL_DATA_DIR": str(tmp_path), "LIVESTALL_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "livestall.cli", *args], env=env, capture_output=True, text=True,
                          input=input, timeout=120)


COUNTS = "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM shops), (SELECT count(*) FROM products), " \
         "(SELECT count(*) FROM user_roles), (SELECT count(*) FROM shop_members), (SELECT count(*) FROM shows)"


def test_demo_twice_duplicates_nothing(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    first = livestall(tmp_path, url, "demo")
    assert first.returncode == 0, first.stderr
    assert "mei@demo.livestall.org" in first.stdout and "Livestall-demo-2026" in first.stdout
    counts = run_sql(url, COUNTS)
    second = livestall(tmp_path, url, "demo")
    assert second.returncode == 0, second.stderr
    assert run_sql(url, COUNTS) == counts
    users, shops, products, _, _, shows = counts[0]
    assert users >= 12 and shops == 3 and products >= 10
    assert shows == 5 and run_sql(url, "SELECT count(*) FROM shows WHERE status = 'live'") == [(1,)]
    languages = {row[0] for row in run_sql(url, "SELECT language FROM shows WHERE status = 'scheduled'")}
    assert {"es", "fr", "en"} <= languages
    cities = {row[0] for row in run_sql(url, "SELECT city FROM shops")}
    assert "Tianshui" in cities  # the small clothes shop in Gansu
    hosts = run_sql(url, "SELECT u.language FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'host'")
    assert {"es", "fr", "en"} <= {h[0] for h in hosts}
    currencies = {row[0] for row in run_sql(url, "SELECT DISTINCT currency FROM products")}
    assert currencies == {"CNY"}


def test_create_admin_makes_an_operator_who_can_log_in(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'admin.db'}"
    made = livestall(tmp_path, url, "create-admin", "--email", "ops@example.com", "--display-name", "Ops",
                     "--password", "Very-Strong-Pass-9")
    assert made.returncode == 0, made.stderr
    roles = run_sql(url, "SELECT r.role FROM user_roles r JOIN users u ON u.id = r.user_id "
                         "WHERE u.email = 'ops@example.com'")
    assert {"operator", "viewer"} == {r[0] for r in roles}
    weak = livestall(tmp_path, url, "create-admin", "--email", "weak@example.com", "--display-name", "W",
                     "--password", "short")
    assert weak.returncode == 1 and "password" in weak.stderr


def test_migrate_command(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    result = livestall(tmp_path, url, "migrate")
    assert result.returncode == 0 and "up to date" in result.stdout
    assert run_sql(url, "SELECT count(*) FROM users") == [(0,)]
